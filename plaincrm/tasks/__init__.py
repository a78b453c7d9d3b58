"""The daily loop: task operations and the day's agenda.

What lives here: ``taskops`` (add, complete with a result note, reschedule,
edit, delete, reopen a task; ``change_task`` finds a task by id in the locked
text) and ``agenda`` (``day_view`` for ``today`` and ``plan``, with what each
record kind registers as needing attention, ``core.kinds``).  The task-line
grammar and ``every:`` rules are the core's (``core.tasklines``,
``core.recurrence``).

What it may import: the core; of the other domains, ``mail.followup`` (the
day's mail lists); what the others add to the day they register.  Never a
front end.
"""
