"""Analyses: pure algorithms in ``X.py``, store orchestration in ``X_store.py``.

Pure (graphs, arrays or records in, values out): :mod:`.centrality`, :mod:`.communities`,
:mod:`.affiliation`, :mod:`.cascades`, :mod:`.timeline`, :mod:`.coordination`, :mod:`.copies`.
On the store: :mod:`.projection_store` (the graphs the scores and maps are computed on),
:mod:`.scores_store` (``graphtool analyze`` / ``explain``), :mod:`.copies_store`,
:mod:`.cascades_store`, :mod:`.timeline_store`, :mod:`.coordination_store`.
Analysis knows no file format, no picture and no terminal: see :mod:`graphtool.render`.
"""
