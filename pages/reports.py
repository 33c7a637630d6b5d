"""Reports: the plan's two weekly templates, filled from the model for a chosen week."""
import streamlit as st

from transforms import report
from ui import data as ui_data
from ui import widgets
from ui import guard

guard()      # only inside app.py, past its sign-in gate (ui/__init__.py)

data = ui_data.plan_data_as_picked()
week = data.week
st.title(f"Weekly reports · week {week}")
widgets.sample_banner(data)
st.caption(widgets.as_of_caption(data))
st.markdown("The plan's **Executive Summary** and **Technical Team Report** templates, filled from the same data "
            "as every other page, for the week picked in the sidebar. A figure the data does not hold reads "
            "*no data*; nothing is invented. The same Markdown comes from "
            "`python -m transforms.report --week N --kind executive|technical`.")

kind = st.radio("Report", report.KINDS, horizontal=True,
                format_func={"executive": "Executive Summary", "technical": "Technical Team Report"}.get)

inputs = report.Inputs(data, ui_data.plan_data(max(week - 1, 0)), ui_data.rule_history(),
                       evaluate=ui_data.alert_evaluation)
built = report.build(kind, inputs)
markdown = report.to_markdown(built)

d1, d2, _ = st.columns([1, 1, 3])
d1.download_button("⬇ Markdown", markdown.encode("utf-8"), file_name=report.file_name(kind, week, "md"),
                   mime="text/markdown", key="report_md", on_click="ignore")
d2.download_button("⬇ HTML", report.to_html(built).encode("utf-8"), file_name=report.file_name(kind, week, "html"),
                   mime="text/html", key="report_html", on_click="ignore")

with st.container(border=True):
    st.markdown(markdown)
