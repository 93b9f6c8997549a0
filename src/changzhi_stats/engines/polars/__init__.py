"""The polars engine: builders registered per rule kind, run a batch at a time."""

from changzhi_stats.engines.polars import builders, model_builders  # noqa: F401  (registration)
