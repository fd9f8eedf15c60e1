"""The use cases, one module per area: every rule of the product enforced here, whoever
calls (Slack, Teams, the scheduler, the command line). Each function runs in one unit
of work; the audit event and any outbox rows are written in the same transaction as the
change, and a refusal is audited in its own. Import the module you need
(``from workflows.services import drafting``); this package re-exports nothing."""
