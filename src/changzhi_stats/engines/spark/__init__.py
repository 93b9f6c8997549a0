"""The Spark engine: the same checks and the same report on a Spark cluster (``[spark]`` extra).

Nothing here imports pyspark at module level, and the core never imports this package: the
registry (:mod:`changzhi_stats.engines`) imports :mod:`.engine` when ``engine="spark"`` is asked
for, and :mod:`.session` imports pyspark then.
"""
