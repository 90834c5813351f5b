"""Testing your own CAMS DAG with the bundled emulator and ``run_dag`` (pytest).

Nothing to configure: the ``cams_emulator`` fixture comes with the provider (a pytest plugin), and
``run_dag`` makes a throwaway Airflow home (temporary directory, SQLite) when ``AIRFLOW_HOME`` is not
set. That works only before Airflow is first imported, which is why this file imports Airflow and the
operators inside the test. If your tests import Airflow at module level, set ``AIRFLOW_HOME`` yourself
or call ``prepare_airflow_home()`` at the top of your ``conftest.py``.

Run: ``pytest test_user_dag.py``.
"""

from __future__ import annotations

from airflow_provider_cams.testing import run_dag


def build_dag():
    """The DAG under test: create a flow, then read it back."""
    import pendulum
    from airflow.sdk import DAG

    from airflow_provider_cams.operators.flow import CreateFlowOperator, GetFlowOperator

    with DAG(
        "my_signup_flow",
        schedule=None,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        default_args={"retries": 0},
    ) as dag:
        create = CreateFlowOperator(task_id="create_flow", flow_name="signup", categories=["SIGN_UP"])
        get = GetFlowOperator(task_id="get_flow", flow_id=create.output["flow_id"])
        create >> get
    return dag


def test_my_dag(cams_emulator, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_CAMS_DEFAULT", cams_emulator.connection_uri_json())

    dag_run = run_dag(build_dag())

    assert dag_run.state == "success"
    states = {ti.task_id: ti.state for ti in dag_run.get_task_instances()}
    assert states == {"create_flow": "success", "get_flow": "success"}
    ((_flow_id, flow),) = cams_emulator.flows().items()
    assert flow["FlowName"] == "signup"
    assert len(cams_emulator.requests("CreateFlow")) == 1
