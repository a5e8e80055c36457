"""The analyst's report: one self-contained HTML file (charts embedded as PNG)."""

from distillguard.report.html import render_report

__all__ = ["render_report"]
