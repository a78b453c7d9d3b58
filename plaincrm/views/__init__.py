"""Views: what each screen of a front end shows, as plain data.

What lives here: one view model per screen the front ends (``cli/`` and ``web/``)
show, each a dataclass built by one function from the store and the screen's
input (a day, an owner, a REF's path, the words of a query), with ``as_json()``
giving exactly the documented ``--json`` shape (README "JSON output", docs/).  A
front end never computes what a screen shows: the text formatters of ``cli/``
and the templates of ``web/`` only lay a view out.

- ``day``: ``today`` and ``plan`` (``TodayView``, ``PlanView``)
- ``pipeline``: the board (``BoardView``: columns per open stage, deal cards) and
  the forecast (``ForecastView``)
- ``clients``: the client card (``ClientCardView``) and the client list
- ``deals``: deal show (``DealShowView``) and the deal list with its totals; the
  fields a deal query can test (``DEAL_KINDS``, ``DEAL_ACCESSOR``)
- ``tasks``: the task list
- ``documents``: document show, the document list (``DOC_KINDS``, its accessor),
  receivables
- ``tickets``: ticket show, the ticket list (``TICKET_KINDS``, ``TICKET_ACCESSOR``)
- ``queries``: ``parse_query`` (a list screen's search words, parsed as the CLI does)

Each module's docstring is its API: the functions and fields named there stay.

What it may import: the core and the domains; never ``cli/`` or ``web/``.  A
module is imported by the command that shows its screen, so ``today`` loads
``day`` only.
"""
