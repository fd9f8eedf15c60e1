"""Try Countersign without a real chat workspace: a local Slack Web API emulator and the
end-to-end demo that runs against it (``python app.py demo``). Used by the tests and by
``make run`` when no chat credentials are configured; never by the running service."""
