"""Analyses beyond one machine: the pure engines of :mod:`graphtool.analyze` run per time window on
Apache Spark (:mod:`.spark`; optional, ``pip install 'graphtool[spark]'``).  See docs/scaling.md."""
