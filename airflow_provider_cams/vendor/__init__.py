"""What CAMS is, as data: its flow actions, statuses, transitions and error codes.

Read from the vendor's reference pages (``docs/reference``); nothing here imports Airflow or the SDK.
The bundled emulator keeps its own, independent reading of the same pages (``testing/state.py``,
``testing/errors.py``) on purpose: a test compares the two, so neither can drift unnoticed.
"""
