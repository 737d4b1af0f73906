"""The one way detector defers loading a model or starting an engine."""

import pytest

from detector.runtime.lazy import Lazy


def test_a_lazy_value_is_made_once_on_first_use() -> None:
    made: list[int] = []
    value = Lazy(lambda: made.append(1) or len(made))
    assert not value.made and made == []
    assert value.get() == 1 and value.get() == 1
    assert value.made and made == [1]


def test_a_failed_make_is_tried_again() -> None:
    attempts: list[int] = []

    def make() -> str:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("model file busy")
        return "model"

    value = Lazy(make)
    with pytest.raises(OSError):
        value.get()
    assert not value.made
    assert value.get() == "model" and len(attempts) == 2
