"""Where the two model-heavy stages run: embedding claims and scoring pairs.

`local` runs them in this process; `ray` runs them as Ray Data batch jobs on a pool of actors, each loading
its model once. Both send the model exactly the same batches (planned here by `embeddings.batches` and
`judges.batches`), so a scan finds the same things whichever engine ran it.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from .. import embeddings, judges
from ..errors import DetectorError, InputError
from ..models.load import load_embedder, load_judge
from ..models.lock import ModelSpec, ready
from ..progress import Progress, Silent
from .lazy import Lazy

ENGINES = ("local", "ray")
RAY_INSTALL = 'pip install -e ".[ray]"'


@dataclass(frozen=True)
class ModelSource:
    """How an engine gets a model: loaded from a models.lock spec (once per worker), or an object given to scan()."""

    role: str
    spec: ModelSpec | None = None
    given: Any = None

    def load(self, device: str | None = None, progress: Progress | None = None) -> Any:
        if self.spec is None:
            return self.given
        if self.role == "embedder":
            return load_embedder(self.spec, device=device)
        return load_judge(self.spec, progress, device=device)


@dataclass(frozen=True)
class RayOptions:
    """How the Ray engine sizes its actor pools."""

    # Actors per stage; None: as many as the cluster has room for (its CPUs, or GPUs when `gpus` is set).
    actors: int | None = None
    cpus: float = 1.0
    # GPUs per actor; 0 runs on CPUs. Models then load with device "cuda".
    gpus: float = 0.0


class Engine(Protocol):
    def embed(self, texts: Sequence[str], *, batch_size: int, progress: Progress) -> np.ndarray:
        """Unit vectors, one row per text, as `embeddings.embed` returns them."""
        ...

    def score(
        self, premises: Sequence[str], hypotheses: Sequence[str], *, batch_size: int, progress: Progress
    ) -> np.ndarray:
        """Contradiction scores in input order, as `judges.score_all` returns them."""
        ...

    def close(self) -> None: ...


def start(
    name: str,
    embedder: ModelSource,
    judge: ModelSource,
    ray: RayOptions | None = None,
    progress: Progress | None = None,
) -> Engine:
    """The engine called `name` ("local" or "ray"), ready to embed and score; `progress` shows a judge build."""
    if name == "local":
        return LocalEngine(embedder, judge, progress)
    if name == "ray":
        return RayEngine(embedder, judge, ray or RayOptions(), progress)
    raise InputError(f"unknown engine {name!r}; choose from {', '.join(ENGINES)}")


class LocalEngine:
    """Both stages in this process, each model loaded once, when first needed."""

    def __init__(self, embedder: ModelSource, judge: ModelSource, progress: Progress | None = None) -> None:
        self._embedder: Lazy[Any] = Lazy(embedder.load)
        self._judge: Lazy[Any] = Lazy(lambda: judge.load(progress=progress))

    def embed(self, texts: Sequence[str], *, batch_size: int, progress: Progress) -> np.ndarray:
        return embeddings.embed(texts, self._embedder.get(), batch_size=batch_size, progress=progress)

    def score(
        self, premises: Sequence[str], hypotheses: Sequence[str], *, batch_size: int, progress: Progress
    ) -> np.ndarray:
        return judges.score_all(premises, hypotheses, self._judge.get(), batch_size=batch_size, progress=progress)

    def close(self) -> None:
        pass


class RayEngine:
    """Both stages as Ray Data `map_batches` jobs on actor pools.

    Connects to the cluster at $RAY_ADDRESS, or starts a small local instance (shut down again by `close`).
    Every node needs detector, the model packages and any built model (`detector models build`) in place; each
    actor checks the model hashes as it loads.
    """

    def __init__(
        self, embedder: ModelSource, judge: ModelSource, options: RayOptions, progress: Progress | None = None
    ) -> None:
        ray = _import_ray()
        self._ray = ray
        self._sources = {"embedder": embedder, "judge": judge}
        for source in self._sources.values():
            if source.spec is not None:
                # Fail early and clearly here, not later on a worker; and build a built judge once, here,
                # rather than in every actor at the same time.
                ready(source.spec, progress)
        self._options = options
        self._started = False
        if not ray.is_initialized():
            address = os.environ.get("RAY_ADDRESS") or None
            try:
                ray.init(
                    address=address,
                    num_cpus=None if address else os.cpu_count(),
                    include_dashboard=False,
                    logging_level=logging.ERROR,
                    log_to_driver=False,
                )
            except (ConnectionError, RuntimeError, ValueError) as err:
                where = f"the Ray cluster at RAY_ADDRESS={address}" if address else "a local Ray instance"
                raise DetectorError(f"cannot start {where}: {err}") from None
            self._started = True
        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        # Ray Data logs each failure before raising it; the scan reports it once, as its own error.
        logging.getLogger("ray.data").setLevel(logging.CRITICAL)
        resources = ray.cluster_resources()
        if options.gpus > 0 and resources.get("GPU", 0) < options.gpus:
            self.close()
            raise InputError(
                f"asked for {options.gpus:g} GPU(s) per Ray actor, but the cluster has {resources.get('GPU', 0):g}"
            )
        per_actor = options.gpus if options.gpus > 0 else options.cpus
        room = resources.get("GPU" if options.gpus > 0 else "CPU", 1) / per_actor
        self._actors = options.actors or max(1, int(room))
        self._device = "cuda" if options.gpus > 0 else None

    def embed(self, texts: Sequence[str], *, batch_size: int, progress: Progress) -> np.ndarray:
        plan = embeddings.batches(texts, batch_size)
        rows = [{"batch": k, "texts": [texts[i] for i in b]} for k, b in enumerate(plan)]
        values = self._run(_Embedding, "embedder", rows, "Embedding claims", len(texts), progress)
        return embeddings.stacked_unit_rows([values[k].reshape(len(b), -1) for k, b in enumerate(plan)], plan)

    def score(
        self, premises: Sequence[str], hypotheses: Sequence[str], *, batch_size: int, progress: Progress
    ) -> np.ndarray:
        plan = judges.batches(premises, hypotheses, batch_size)
        rows = [
            {"batch": k, "premises": [premises[j] for j in chunk], "hypotheses": [hypotheses[j] for j in chunk]}
            for k, chunk in enumerate(plan)
        ]
        values = self._run(_Scoring, "judge", rows, "Judging pairs", len(premises), progress)
        scores = np.zeros(len(premises), dtype=np.float64)
        for k, chunk in enumerate(plan):
            scores[chunk] = values[k]
        return scores

    def _run(
        self, worker: type, role: str, rows: list[dict[str, Any]], description: str, total: int, progress: Progress
    ) -> dict[int, np.ndarray]:
        """Map `worker` over `rows`, one planned batch per call; results by batch number."""
        if not rows:
            return {}
        ray, options = self._ray, self._options
        actors = min(self._actors, len(rows))
        dataset = ray.data.from_items(rows, override_num_blocks=min(len(rows), actors * 4))
        with warnings.catch_warnings():
            # Ray 2.60 deprecates extra remote arguments, yet max_restarts=0 is how Ray Data says to switch
            # restarts off; without it Ray logs an error for every actor pool (its arguments may be lost on
            # restart). A failed actor fails the scan with its own error; a restart would only reload the model.
            warnings.simplefilter("ignore", DeprecationWarning)
            mapped = dataset.map_batches(
                worker,
                fn_constructor_args=(self._sources[role], self._device),
                batch_size=1,
                batch_format="numpy",
                compute=ray.data.ActorPoolStrategy(min_size=1, max_size=actors),
                num_cpus=options.cpus,
                num_gpus=options.gpus or None,
                max_restarts=0,
            )
        values: dict[int, np.ndarray] = {}
        try:
            with (progress or Silent()).task(description, total) as advance:
                for row in mapped.iter_rows():
                    values[int(row["batch"])] = np.asarray(row["values"])
                    advance(int(row["size"]))
        except ray.exceptions.RayTaskError as err:
            # A detector error on a worker reads as it would locally.
            if isinstance(err.cause, DetectorError):
                raise err.cause from None
            raise
        except ray.exceptions.RayActorError as err:
            # An actor that cannot load its model (a node without the model package, say) dies at creation.
            reason = next((line for line in reversed(str(err).splitlines()) if line.strip()), type(err).__name__)
            raise DetectorError(f"a Ray actor could not load the {role}: {reason.strip()}") from None
        return values

    def close(self) -> None:
        if self._started:
            self._ray.shutdown()
            self._started = False


def _import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError:
        raise DetectorError(f"the ray engine needs Ray, which is not installed: {RAY_INSTALL}") from None
    return ray


def _cell(values: np.ndarray) -> np.ndarray:
    # One row holding a whole array: Ray stores it as a list column.
    cell = np.empty(1, dtype=object)
    cell[0] = values
    return cell


class _Worker:
    """A Ray actor that loads its model once."""

    def __init__(self, source: ModelSource, device: str | None) -> None:
        self._model = source.load(device)


class _Embedding(_Worker):
    """Embeds one planned batch per call."""

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        texts = [str(t) for t in batch["texts"][0]]
        vectors = np.asarray(self._model.encode(texts), dtype=np.float32)
        return {"batch": batch["batch"], "size": np.array([len(texts)]), "values": _cell(vectors.ravel())}


class _Scoring(_Worker):
    """Scores one planned batch per call."""

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        premises = [str(t) for t in batch["premises"][0]]
        hypotheses = [str(t) for t in batch["hypotheses"][0]]
        scores = np.asarray(self._model.score(premises, hypotheses), dtype=np.float64)
        return {"batch": batch["batch"], "size": np.array([len(premises)]), "values": _cell(scores)}
