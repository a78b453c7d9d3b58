"""Sales (docs/sales.md): the pipeline, deals, their log, and the sales reports.

What lives here: ``kind`` (the deal and competitor kinds, ``core.kinds``),
``pipeline`` (the ``pipeline:`` settings: stages, lost reasons, competitors;
``check_pipeline``), ``deals``
(``Deal``: a deal read as figures; ``deals``, flags, ``deal_attention`` for
``today``), ``dealops`` (open, move, win, lose, reopen and set deals; the stage
gates other domains register), ``deallog`` (the grammar of a deal's ``## Log``) and ``reports``
(the board, the forecast, lost deals, competitors, stage conversion).

What it may import: the core and ``clients`` (owners); other domains reach
it through its ``INTERFACE`` and add to deals by registering (documents gate
stages with the deal kind's ``stage_gate`` hook).  Never a front end.
"""

# The modules other domains may import (tests/test_layers.py).
INTERFACE = ("pipeline", "deals", "dealops", "deallog")
