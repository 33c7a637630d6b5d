"""Upload templates (CSV and XLSX) for every uploadable table, and a JSON example, from loaders/schema.py.

Why generated: the schema is the one definition of a table's shape, so a template can never
drift from what validation accepts (tests/test_data_page.py loads every template's example back).
A template holds the header and no data row: an example row kept by mistake would load as a real
figure for 13 Jan 2025. The example values live in the XLSX's "columns" sheet (beside the type,
whether it is required and the rule of every column); the JSON example's date is the placeholder
YYYY-MM-DD, which validation refuses until it is replaced.
"""
from __future__ import annotations

import csv
import io
import json

from loaders import schema

EXAMPLE_DATE = "2025-01-13"          # Monday of plan week 1

# Example values a reader recognises; anything not listed falls back on its type.
EXAMPLES = {
    "metric_id": "security_score", "as_of": EXAMPLE_DATE, "value": 12.5, "date": EXAMPLE_DATE,
    "team_name": "Security", "overall_health_score": 56, "security_score": 12, "compliance_score": 15,
    "performance_score": 70, "business_value_score": 40, "team_velocity_total": 62,
    "revenue_pipeline_amount": 1250000.00, "critical_vulnerabilities": 3, "compliance_violations": 0,
    "api_latency_p99": 48.5, "test_coverage_percentage": 22.5, "uptime_percentage": 0.9995,
    "story_points_completed": 3, "story_points_planned": 14, "velocity_percentage": 85.0,
    "test_coverage": 35.0, "build_success_rate": 92.5, "tcpa_violations": 0, "gdpr_violations": 0,
    "dnc_list_sync_status": "true", "consent_coverage_percentage": 40.0, "audit_trail_completeness": 60.0,
}
_BY_TYPE = {"DATE": EXAMPLE_DATE, "BOOLEAN": "true", "INTEGER": 1, "BIGINT": 1, "DOUBLE": 1.5,
            "DECIMAL": 1.5, "VARCHAR": "text"}

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def example(column: schema.Column):
    return EXAMPLES.get(column.name, _BY_TYPE.get(column.sql_type.split("(")[0], ""))


def rule(column: schema.Column) -> str:
    """One line an analyst can act on: what the column holds and what is refused."""
    kind = column.sql_type.split("(")[0]
    text = {"DATE": "date, YYYY-MM-DD (13.01.2025 and Excel dates also work)",
            "BOOLEAN": "true/false (yes/no, 1/0)", "VARCHAR": "text",
            "INTEGER": "whole number", "BIGINT": "whole number"}.get(kind, "number ($1.5M, 1,500 accepted)")
    if column.percent:
        text += "; percent 0–100 ('12%' accepted)"
    if column.fraction:
        text += "; fraction 0–1 (0.9999 = 99.99%; '99.99%' accepted)"
    if column.metric_id:
        text += f"; feeds metric '{column.metric_id}'"
    if column.name == "metric_id":
        text += "; a metric_id of the registry (see the metrics table)"
    if column.name == "team_name":
        text += "; a team of the plan (Security, Compliance, Infrastructure, Financial, Integration)"
    return text + ("" if column.required else "; optional (leave blank)")


def csv_bytes(table: schema.Table) -> bytes:
    """The header only (the example values are in the XLSX template's columns sheet)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(table.column_names)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(table: schema.Table) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    data = book.active
    data.title = table.name[:31]
    data.append(table.column_names)
    for cell in data[1]:
        cell.font = Font(bold=True)
    for index, column in enumerate(table.columns, start=1):
        data.column_dimensions[data.cell(1, index).column_letter].width = max(12, len(column.name) + 2)
    notes = book.create_sheet("columns")     # second: readers take the first visible sheet with data
    notes.append(["column", "type", "required", "example", "what to put in it"])
    for column in table.columns:
        notes.append([column.name, column.sql_type, "yes" if column.required else "no", str(example(column)),
                      rule(column)])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for letter, width in (("A", 28), ("D", 16), ("E", 90)):
        notes.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


JSON_EXAMPLE_NAME = "daily-metrics.example.json"


def json_example_bytes() -> bytes:
    """The collector shape (README, "JSON input"), with YYYY-MM-DD where the day goes."""
    example_doc = {
        "date": "YYYY-MM-DD",
        "source": "scripts/collect-security-metrics.sh",
        "metrics": {"security_score": 12, "critical_vulnerabilities": 3, "api_latency_p99_ms": 48.5,
                    "uptime_percentage": 0.9995, "revenue_pipeline_usd": "$1.25M", "dnc_list_sync_status": False},
        "teams": [{"team_name": "Security", "story_points_completed": 3, "test_coverage": 35.0}],
    }
    return (json.dumps(example_doc, indent=2) + "\n").encode("utf-8")


def uploadable() -> list[schema.Table]:
    return list(schema.UPLOADABLE)
