# Copyright 2026 IT Support Billing contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Render a report to PDF as users get it, and read its text layer."""

import io

from odoo.tools import config
from odoo.tools.pdf import PdfFileReader

#: the company's letterhead: a tagline in the header, bank details in the
#: footer, as companies set them
HEADER = "Computer repair and IT support since 1998"
FOOTER = "IBAN FR76 3000 6000 0112 3456 7890 189"


def set_letterhead(env):
    """wkhtmltopdf loads the report's assets from the test server; the
    company prints a tagline in its header and its bank details in the
    footer."""
    env["ir.config_parameter"].sudo().set_param(
        "report.url", "http://127.0.0.1:%s" % config["http_port"]
    )
    env.company.write({"report_header": HEADER, "report_footer": FOOTER})


def render_pdf_text(case, report_ref, res_ids):
    """The text layer of the PDF of ``report_ref``: empty when wkhtmltopdf
    draws the fonts as outlines (Debian's build, unpatched Qt)."""
    return " ".join(render_pdf_pages(case, report_ref, res_ids))


def render_pdf_pages(case, report_ref, res_ids):
    """The text layer of each page of the PDF of ``report_ref``."""
    with case.allow_pdf_render():
        pdf, fmt = (
            case.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(report_ref, res_ids=res_ids)
        )
    case.assertEqual(fmt, "pdf")
    reader = PdfFileReader(io.BytesIO(pdf))
    return [page.extract_text() for page in reader.pages]


def assert_letterhead(case, text):
    """The company's header (name, tagline) and footer (bank details, page
    number) are on the PDF: only wkhtmltopdf with patched Qt prints them."""
    case.assertIn(case.env.company.name, text)
    case.assertIn(HEADER, text)
    case.assertIn(FOOTER, text)
    case.assertRegex(text, r"Page\s*1\s*/\s*\d")
