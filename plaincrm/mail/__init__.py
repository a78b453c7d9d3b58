"""Mail in the client card: e-mail captured from Maildir, mbox, .eml files and IMAP.

What lives here (docs: README "Mail", ``schema/mail.md``):

- ``entries``: the grammar of a client file's ``## Mail`` section (threads of
  entries, one per message), read and written nowhere else.  Pure text: it
  imports only the standard library and ``core.tasklines`` (the section finder),
  so that the record parser, the merge driver and ``history`` can use it the way
  they use the task-line grammar.
- ``settings``: the ``mail:`` section of ``plaincrm.yaml``.
- ``message``: one e-mail message read into the facts a card keeps (addresses,
  subject, the new text's excerpt, attachment names), never stopped by bad mail.
- ``sources``: Maildir folders, mbox files, ``.eml`` files and IMAP mailboxes
  (``imap``), read incrementally with a git-ignored state in ``.plaincrm/mail/``.
- ``matching``: which clients a message belongs to, and its direction.
- ``importer``: ``mail import`` as one all-or-nothing commit.
- ``followup``: the lists ``today`` shows (waiting for your answer, no answer yet)
  and the recorded mail that ``mail list`` queries, as data for any front end.

What it may import: the core (errors, dates, settings, model, records, store,
workhours, task lines), ``git.repo`` and the sales domain's deal figures and log
grammar (a mail counts as deal activity).  Nothing outside ``plaincrm/cli/``
imports the command line; this package never does.
"""
