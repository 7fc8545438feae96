"""The monthly dashboard page: month picker, frozen sectors, sending a month, CSV and XLSX exports."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from cii_platform.audit.models import AuditEvent
from measures.models import MonthlyReport
from tests.measures.dashboard_builders import APRIL, prepare_april

pytestmark = pytest.mark.django_db


@pytest.fixture
def april(orp_counsellor, ssr_social_worker, smig_counsellor, coordination_member):  # type: ignore[no-untyped-def]
    return prepare_april(orp=orp_counsellor, ssr=ssr_social_worker, smig=smig_counsellor, member=coordination_member)


def _dashboard(client, month="2026-04"):  # type: ignore[no-untyped-def]
    return client.get(reverse("measures:dashboard"), {"mois": month}).content.decode()


def test_the_dashboard_shows_the_month_figures_and_a_send_button_for_the_delegate_sectors(
    client_for, april, coordination_member, gp_cii_member
):
    content = _dashboard(client_for(coordination_member))
    assert "04.2026" in content and "CHF 2'250.00" in content and "50.0 %" in content
    assert 'name="secteur" value="laci"' in content and 'name="secteur" value="sas"' not in content
    assert 'name="secteur"' not in _dashboard(client_for(gp_cii_member))


def test_the_delegate_sends_the_month_and_the_page_says_the_figures_are_frozen(client_for, april, coordination_member):
    client = client_for(coordination_member)
    answer = client.post(reverse("measures:dashboard_send"), {"mois": "2026-04", "secteur": "laci"})
    assert answer.status_code == 302
    assert MonthlyReport.objects.get().sector == "laci"
    content = _dashboard(client)
    assert "Chiffres figés : envoyés le" in content
    assert 'name="secteur" value="laci"' not in content

    again = client.post(reverse("measures:dashboard_send"), {"mois": "2026-04", "secteur": "laci"}, follow=True)
    assert "ont déjà été envoyés" in again.content.decode()
    assert MonthlyReport.objects.count() == 1


def test_sending_another_sector_month_answers_404(client_for, april, coordination_member, orp_counsellor, outsider):
    assert (
        client_for(coordination_member)
        .post(reverse("measures:dashboard_send"), {"mois": "2026-04", "secteur": "sas"})
        .status_code
        == 404
    )
    for user in (orp_counsellor, outsider):
        assert (
            client_for(user)
            .post(reverse("measures:dashboard_send"), {"mois": "2026-04", "secteur": "laci"})
            .status_code
            == 404
        )
    assert not MonthlyReport.objects.exists()


def test_accounts_without_a_role_on_measures_get_404(client_for, april, outsider, cnip_staff):
    for user in (outsider, cnip_staff):
        client = client_for(user)
        assert client.get(reverse("measures:dashboard")).status_code == 404
        assert client.get(reverse("measures:dashboard_export", args=["csv"]), {"mois": "2026-04"}).status_code == 404
    assert client_for(cnip_staff).get(reverse("measures:dashboard_export", args=["pdf"])).status_code == 404


def test_the_csv_export_holds_the_month_figures_and_is_audited(client_for, april, orp_counsellor):
    answer = client_for(orp_counsellor).get(reverse("measures:dashboard_export", args=["csv"]), {"mois": "2026-04"})
    assert answer["Content-Type"].startswith("text/csv")
    assert 'filename="mesures-2026-04.csv"' in answer["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Secteur", "Code de la mesure", "Mesure", "Places budgétées"]
    assert [april.a.code, "3", "1.50", "50.0", "2250.00"] == [rows[1][1], *rows[1][3:7]]
    assert rows[-1][2:7] == ["Total général", "9", "2.50", "27.8", "4750.00"]
    event = AuditEvent.objects.get(action="export")
    assert (event.object_type, event.object_id, event.detail["format"]) == ("measures.dashboard", "2026-04", "csv")


def test_the_xlsx_export_holds_the_same_figures_as_numbers(client_for, april, coordination_member):
    answer = client_for(coordination_member).get(
        reverse("measures:dashboard_export", args=["xlsx"]), {"mois": "2026-04"}
    )
    assert answer["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Tableau de bord des mesures mixtes, 04.2026"
    assert rows[1][3] == "Places budgétées"
    laci = rows[2]
    assert (laci[1], laci[3]) == (april.a.code, 3)
    assert (Decimal(str(laci[4])), Decimal(str(laci[6]))) == (Decimal("1.5"), Decimal("2250"))
    assert rows[-1][2] == "Total général" and Decimal(str(rows[-1][6])) == Decimal("4750")
    assert AuditEvent.objects.filter(action="export", detail__format="xlsx").count() == 1


def test_a_malformed_month_shows_the_current_month(client_for, coordination_member):
    from django.utils import timezone

    assert f"{timezone.localdate():%m.%Y}" in _dashboard(client_for(coordination_member), month="avril")
    assert APRIL.year == 2026
