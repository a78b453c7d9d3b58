"""Sales (docs/sales.md): the pipeline, deals, their log, and the sales reports.

What lives here: ``pipeline`` (the ``pipeline:`` settings: stages, lost
reasons, competitors, currency and rates; ``check_pipeline``), ``deals``
(``Deal``: a deal read as figures; ``deals``, flags, ``deal_attention`` for
``today``), ``dealops`` (open, move, win, lose, reopen and set deals; the stage
gates other domains register), ``deallog`` (the grammar of a deal's ``## Log``) and ``reports``
(the board, the forecast, lost deals, competitors, stage conversion).

What it may import: the core, ``clients`` (owners), and another domain only
through an interface that domain declares (documents gate stages by
registering a gate).  Never a front end.
"""
