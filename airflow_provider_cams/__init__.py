"""Apache Airflow provider for Alibaba Cloud CAMS WhatsApp Flows.

Kept import-free on purpose: DAG files import operators from submodules, and nothing here should
add to DAG parse time.
"""

__version__ = "0.1.0"
