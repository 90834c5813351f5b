"""Flows as code: make CAMS hold a Flow JSON file as a published flow, idempotently.

``deployer.py`` (FlowDeployer, FlowSpec) composes the hook's public methods; ``json_store.py`` hosts the
JSON content-addressed in object storage; ``fetch.py`` reads CAMS's copy back; ``results.py`` says what a
deployment did and how it goes to XCom. Nothing here is imported at DAG parse time.
"""
