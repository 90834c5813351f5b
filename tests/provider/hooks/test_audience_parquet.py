"""A Parquet audience end to end: SendTemplateOperator through real Airflow (run_dag), the file in object
storage (``file://``), real HTTP and signing to the emulator; each person gets one message with their own
variables, flow data and flow token, and the outcomes land next to the audience."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from airflow_provider_cams.hooks.sending import flow_token
from airflow_provider_cams.testing import CamsEmulator
from tests.dag_helpers import xcom
from tests.provider.hooks.test_messaging import spec
from tests.provider.operators.test_send import SPACE, run_send
from tests.provider.operators.test_send import emu as emu  # the send tests' emulator fixture (no pacing)

PEOPLE = 1100  # two mass sends: a full chunk of 1,000 and the rest


def test_a_parquet_audience_sends_each_person_once_with_their_own_values(
    emu: CamsEmulator, tmp_path: Path
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    flow_id = emu.add_flow("f", ["OTHER"], status="PUBLISHED", cust_space_id=SPACE, with_json=True)
    code = emu.add_template("invite", "en", spec(flow_id).components(), cust_space_id=SPACE)
    numbers = [6570000000 + i for i in range(PEOPLE)]
    people = pa.table(
        {
            "to": pa.array([*numbers, 1234], pa.int64()),  # the last one is not a phone number
            "1": [f"p{i}" for i in range(PEOPLE + 1)],
            "2": pa.array(list(range(PEOPLE + 1)), pa.int32()),
            "flow_action_data": pa.array(
                [{"tier": "gold" if i % 2 else "blue"} for i in range(PEOPLE + 1)],
                pa.struct([("tier", pa.string())]),
            ),
        }
    )
    pq.write_table(people, tmp_path / "people.parquet", row_group_size=600)  # batches span row groups
    audience = f"file://{tmp_path / 'people.parquet'}"
    run = run_send(0, code, flow_id, audience=audience)

    sent = emu.messages()
    assert Counter(m["UserNumber"] for m in sent) == Counter(str(n) for n in numbers)
    by_number = {m["UserNumber"]: m for m in sent}
    for i in (0, 999, 1000, PEOPLE - 1):
        message = by_number[str(numbers[i])]
        assert message["FlowToken"] == flow_token(run.run_id, flow_id, str(numbers[i]))
        assert message["TemplateParams"] == {"1": f"p{i}", "2": str(i)}
        assert message["FlowActionData"] == {"tier": "gold" if i % 2 else "blue"}
    assert [r.action for r in emu.requests() if r.applied].count("SendChatappMassMessage") == 2
    result = xcom(run, "send")
    assert result["recipients"] == PEOPLE + 1 and result["by_status"]["invalid"] == 1
    outcomes = Path(result["outcomes_url"].removeprefix("file://"))
    assert outcomes.parent.parent == tmp_path  # written next to the audience
    lines = [json.loads(line) for line in outcomes.read_text().splitlines()]
    assert [o["to"] for o in lines[:PEOPLE]] == [str(n) for n in numbers]
