"""The edition pages of CNIP staff: entry page, creation, the edition with its ranking, the workflow, printing."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from cii_platform.accounts.models import Role, User
from cii_platform.reports.models import ReportJob, ReportKind
from labels.models import Criterion, Edition, EditionStatus, JuryApproval, JuryMember, JurySeat, RankingEntry
from labels.ranking import TIE_RULE
from labels.services.editions import edition_compute_ranking
from tests.labels import edition_builders as build

pytestmark = pytest.mark.django_db


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


@pytest.fixture
def ranked_2020(cnip_staff: User) -> Edition:
    """2020: a company with its only intern hired (raw 100 %) and one that hired 8 of 10, not yet computed."""
    lucky = build.company("Chance Unique Sàrl")
    steady = build.company("Atelier Constant SA", canton="VD", locality="Yverdon-les-Bains")
    build.outcomes(lucky, finished=1, hired=1)
    build.outcomes(steady, finished=10, hired=8)
    return build.edition(cnip_staff, 2020, threshold="1")


@pytest.fixture
def other_juror(make_account) -> User:  # type: ignore[no-untyped-def]
    """A jury account sitting only in the 2019 edition's jury."""
    return make_account("jury.autre", None, None, (Role.LABEL_JURY,))


# --- entry page and creation --------------------------------------------------------------------


def test_the_entry_page_lists_every_edition_for_cnip_staff(client_for, cnip_staff, ranked_2020):
    build.edition(cnip_staff, 2019)
    response = client_for(cnip_staff).get(reverse("labels:home"))
    assert response.status_code == 200
    page = _text(response)
    assert reverse("labels:edition_detail", args=[2020]) in page
    assert reverse("labels:edition_detail", args=[2019]) in page
    assert "brouillon" in page
    assert "/label/entreprises/" in page


def test_the_entry_page_shows_a_jury_member_only_the_editions_of_their_seats(
    client_for, cnip_staff, ranked_2020, jury_oai
):
    build.edition(cnip_staff, 2019)
    build.seat(ranked_2020, cnip_staff, {JurySeat.OAI_NE: jury_oai})
    page = _text(client_for(jury_oai).get(reverse("labels:home")))
    assert reverse("labels:edition_detail", args=[2020]) in page
    assert reverse("labels:edition_detail", args=[2019]) not in page
    assert "/label/entreprises/" not in page


@pytest.mark.parametrize("persona", ["outsider", "oai_counsellor"])
def test_the_entry_page_is_a_404_for_anyone_outside_the_label(client_for, persona, request):
    user = request.getfixturevalue(persona)
    assert client_for(user).get(reverse("labels:home")).status_code == 404


def test_cnip_staff_open_an_edition_with_the_default_criteria(client_for, cnip_staff):
    response = client_for(cnip_staff).post(
        reverse("labels:edition_create"),
        {"year": "2021", "threshold": "5", "prizes": "3", "ceremony_on": "18.03.2022", "ceremony_place": "Neuchâtel"},
    )
    assert response.status_code == 302
    edition = Edition.objects.get(year=2021)
    assert (edition.period_start, edition.period_end) == (dt.date(2021, 1, 1), dt.date(2021, 12, 31))
    assert edition.ceremony_on == dt.date(2022, 3, 18)
    assert Criterion.objects.filter(edition=edition).count() == 6


def test_opening_an_edition_with_a_period_ending_before_it_starts_is_refused_in_french(client_for, cnip_staff):
    response = client_for(cnip_staff).post(
        reverse("labels:edition_create"),
        {"year": "2021", "threshold": "5", "prizes": "3", "period_start": "31.12.2021", "period_end": "01.01.2021"},
    )
    assert response.status_code == 400
    assert "La fin de la période de référence ne peut pas précéder son début." in _text(response)
    assert not Edition.objects.filter(year=2021).exists()


@pytest.mark.parametrize("persona", ["jury_oai", "outsider"])
def test_only_cnip_staff_open_an_edition(client_for, persona, request):
    client = client_for(request.getfixturevalue(persona))
    assert client.get(reverse("labels:edition_create")).status_code == 404
    assert client.post(reverse("labels:edition_create"), {"year": "2021", "threshold": "1"}).status_code == 404
    assert not Edition.objects.exists()


def test_a_stale_edit_of_the_settings_is_refused_and_keeps_the_edition(client_for, cnip_staff, ranked_2020):
    stale = ranked_2020.version
    Edition.objects.filter(pk=ranked_2020.pk).update(version=stale + 1)
    response = client_for(cnip_staff).post(
        reverse("labels:edition_edit", args=[2020]),
        {
            "period_start": "01.01.2020",
            "period_end": "31.12.2020",
            "threshold": "9",
            "prizes": "3",
            "version": str(stale),
        },
    )
    assert response.status_code == 400
    assert "modifiée par quelqu&#x27;un d&#x27;autre" in _text(response)
    assert build.fresh(ranked_2020).threshold == Decimal("1.00")


# --- the ranking --------------------------------------------------------------------------------


def test_staff_compute_the_ranking_and_see_raw_and_corrected_rates_and_the_tie_rule(
    client_for, cnip_staff, ranked_2020
):
    client = client_for(cnip_staff)
    response = client.post(reverse("labels:edition_compute", args=[2020]))
    assert response.status_code == 302
    assert build.fresh(ranked_2020).status == EditionStatus.COMPUTED
    page = _text(client.get(reverse("labels:edition_detail", args=[2020])))
    # 8 of 10 outranks 1 of 1: the corrected rate (Wilson lower bound) decides, not the raw one.
    assert page.index("Atelier Constant SA") < page.index("Chance Unique Sàrl")
    assert "100.00\u00a0%" in page  # raw rate of 1 of 1
    assert "20.65\u00a0%" in page  # its Wilson lower bound
    assert "80.00\u00a0%" in page  # raw rate of 8 of 10
    assert "49.02\u00a0%" in page  # its Wilson lower bound
    assert escape(TIE_RULE) in page
    assert "Stabilité du classement" in page


def test_the_edition_page_shows_the_reinsertion_rate_next_to_the_previous_editions_with_its_definition(
    client_for, cnip_staff
):
    company = build.company("Boulangerie du Lac")
    build.outcomes(company, finished=12, hired=5)
    build.outcomes(company, finished=16, hired=9, year=2019)
    build.edition(cnip_staff, 2019)
    build.edition(cnip_staff, 2020)
    page = _text(client_for(cnip_staff).get(reverse("labels:edition_detail", args=[2020])))
    assert "41.67\u00a0%" in page
    assert "56.25\u00a0%" in page
    assert "engagés au dernier jour ÷ stagiaires ayant terminé leur stage dans la période" in page


def test_a_company_nobody_marked_is_flagged_without_jury_mark(client_for, cnip_staff, ranked_2020):
    edition_compute_ranking(edition=ranked_2020, computed_by=cnip_staff)
    page = _text(client_for(cnip_staff).get(reverse("labels:edition_detail", args=[2020])))
    assert "sans note du jury" in page


def test_the_edition_page_costs_the_same_queries_for_3_and_for_30_companies(client_for, cnip_staff, jury_oai):
    edition = build.edition(cnip_staff, 2020)
    build.seat(edition, cnip_staff, {JurySeat.OAI_NE: jury_oai})
    for number in range(3):
        build.outcomes(build.company(f"Petite {number:02d}"), finished=2, hired=1)
    edition_compute_ranking(edition=build.fresh(edition), computed_by=cnip_staff)
    client = client_for(cnip_staff)
    url = reverse("labels:edition_detail", args=[2020])
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for number in range(27):
        build.outcomes(build.company(f"Grande {number:02d}", canton="FR"), finished=3, hired=number % 3)
    edition_compute_ranking(edition=build.fresh(edition), computed_by=cnip_staff)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert RankingEntry.objects.filter(edition=edition).count() == 30
    assert "Grande 26" in _text(response)
    assert len(many) == len(few)


# --- publication --------------------------------------------------------------------------------


@pytest.fixture
def with_jury(ranked_2020, cnip_staff, jury_oai, jury_cnip_council, jury_cnci) -> dict[str, JuryMember]:
    members = build.full_jury(ranked_2020, cnip_staff, jury_oai, jury_cnip_council, jury_cnci)
    build.with_the_jury(build.fresh(ranked_2020), cnip_staff)
    return members


def test_publication_with_two_approvals_is_refused_with_the_services_french_message(
    client_for, cnip_staff, ranked_2020, with_jury
):
    build.approve([with_jury[JurySeat.OAI_NE], with_jury[JurySeat.CNIP_COUNCIL]])
    client = client_for(cnip_staff)
    page = _text(client.get(reverse("labels:edition_detail", args=[2020])))
    assert "2 approbations du classement actuel sur 3" in page
    response = client.post(reverse("labels:edition_publish", args=[2020]), follow=True)
    assert "Publication impossible : il manque l&#x27;approbation du classement actuel par" in _text(response)
    assert build.fresh(ranked_2020).status == EditionStatus.JURY


def test_publication_with_three_approvals_publishes_the_edition(client_for, cnip_staff, ranked_2020, with_jury):
    build.approve(list(with_jury.values()))
    response = client_for(cnip_staff).post(reverse("labels:edition_publish", args=[2020]), follow=True)
    assert build.fresh(ranked_2020).status == EditionStatus.PUBLISHED
    page = _text(response)
    assert "Chiffres figés à la publication" in page
    assert "approuvé le" in page and "Classement conforme." in page


def test_staff_submit_the_computed_ranking_to_the_jury_and_reopen_it(client_for, cnip_staff, ranked_2020, jury_oai):
    client = client_for(cnip_staff)
    client.post(reverse("labels:edition_compute", args=[2020]))
    response = client.post(reverse("labels:edition_submit", args=[2020]), follow=True)
    assert "Le jury n&#x27;est pas complet" in _text(response)
    assert build.fresh(ranked_2020).status == EditionStatus.COMPUTED
    client.post(reverse("labels:edition_reopen", args=[2020]), {"version": build.fresh(ranked_2020).version})
    assert build.fresh(ranked_2020).status == EditionStatus.DRAFT
    assert not RankingEntry.objects.filter(edition=ranked_2020).exists()


@pytest.mark.parametrize("action", ["edition_compute", "edition_publish", "edition_submit", "edition_certificates"])
def test_a_jury_member_cannot_run_the_staffs_actions(client_for, cnip_staff, ranked_2020, with_jury, action):
    build.approve(list(with_jury.values()))
    before = build.fresh(ranked_2020)
    response = client_for(with_jury[JurySeat.OAI_NE].user).post(reverse(f"labels:{action}", args=[2020]))
    assert response.status_code == 404
    after = build.fresh(ranked_2020)
    assert (after.status, after.version, after.computed_at) == (before.status, before.version, before.computed_at)
    assert not ReportJob.objects.exists()


# --- outsiders and the jury of another edition --------------------------------------------------


def _gets(year: int) -> list[str]:
    return [
        reverse("labels:edition_detail", args=[year]),
        reverse("labels:edition_edit", args=[year]),
        reverse("labels:edition_criteria", args=[year]),
        reverse("labels:edition_jury", args=[year]),
        reverse("labels:edition_marks", args=[year]),
    ]


def _posts(edition: Edition) -> list[tuple[str, dict[str, str]]]:
    criterion = Criterion.objects.filter(edition=edition).first()
    assert criterion is not None
    entry = RankingEntry.objects.filter(edition=edition).first()
    assert entry is not None
    version = {"version": str(edition.version)}
    return [
        (reverse("labels:edition_compute", args=[edition.year]), {}),
        (reverse("labels:edition_submit", args=[edition.year]), {}),
        (reverse("labels:edition_reopen", args=[edition.year]), version),
        (reverse("labels:edition_publish", args=[edition.year]), {}),
        (reverse("labels:edition_edit", args=[edition.year]), {**version, "threshold": "0", "prizes": "1"}),
        (reverse("labels:special_label", args=[edition.year, entry.pk]), {"special_label": "Coup de cœur"}),
        (reverse("labels:edition_certificates", args=[edition.year]), {}),
        (reverse("labels:edition_palmares", args=[edition.year]), {}),
        (reverse("labels:criterion_change", args=[edition.year, criterion.pk]), {**version, "c-weight": "9"}),
        (reverse("labels:criterion_delete", args=[edition.year, criterion.pk]), version),
        (reverse("labels:criterion_add", args=[edition.year]), {"new-name": "X", "new-version": version["version"]}),
        (reverse("labels:jury_seat_set", args=[edition.year, JurySeat.OAI_NE]), version),
        (reverse("labels:jury_seat_remove", args=[edition.year, JurySeat.OAI_NE]), version),
        (reverse("labels:jury_approve", args=[edition.year]), {"comment": "ok"}),
        (reverse("labels:jury_approval_withdraw", args=[edition.year]), {}),
        (reverse("labels:recusal_record", args=[edition.year]), {"recusal-reason": "lien"}),
    ]


@pytest.mark.parametrize("persona", ["outsider", "oai_counsellor", "other_juror"])
def test_anyone_outside_the_editions_jury_gets_404_everywhere_and_changes_nothing(
    client_for, cnip_staff, ranked_2020, with_jury, persona, request
):
    build.seat(build.edition(cnip_staff, 2019), cnip_staff, {JurySeat.OAI_NE: request.getfixturevalue("other_juror")})
    edition = build.fresh(ranked_2020)
    client = client_for(request.getfixturevalue(persona))
    for url in _gets(2020):
        assert client.get(url).status_code == 404, url
    for url, data in _posts(edition):
        assert client.post(url, data).status_code == 404, url
    after = build.fresh(ranked_2020)
    assert (after.status, after.version) == (edition.status, edition.version)
    assert not JuryApproval.objects.exists()
    assert not ReportJob.objects.exists()
    assert not RankingEntry.objects.exclude(special_label="").exists()


# --- settings, criteria, seats, special labels --------------------------------------------------


def test_staff_change_a_criterions_weight(client_for, cnip_staff, ranked_2020):
    criterion = Criterion.objects.filter(edition=ranked_2020).first()
    assert criterion is not None
    prefix = f"c{criterion.pk}"
    response = client_for(cnip_staff).post(
        reverse("labels:criterion_change", args=[2020, criterion.pk]),
        {
            f"{prefix}-weight": "4.5",
            f"{prefix}-normalisation": criterion.normalisation,
            f"{prefix}-version": str(ranked_2020.version),
        },
    )
    assert response.status_code == 302
    criterion.refresh_from_db()
    assert criterion.weight == Decimal("4.50")


def test_a_negative_weight_is_refused_in_french_and_changes_nothing(client_for, cnip_staff, ranked_2020):
    criterion = Criterion.objects.filter(edition=ranked_2020).first()
    assert criterion is not None
    prefix = f"c{criterion.pk}"
    response = client_for(cnip_staff).post(
        reverse("labels:criterion_change", args=[2020, criterion.pk]),
        {
            f"{prefix}-weight": "-1",
            f"{prefix}-normalisation": criterion.normalisation,
            f"{prefix}-version": str(ranked_2020.version),
        },
    )
    assert response.status_code == 400
    assert "Le poids est un nombre positif ou nul." in _text(response)
    assert Criterion.objects.get(pk=criterion.pk).weight == criterion.weight


def test_staff_seat_a_jury_account_and_an_account_without_the_role_is_refused(
    client_for, cnip_staff, ranked_2020, jury_cnci, oai_counsellor
):
    client = client_for(cnip_staff)
    assert client.get(reverse("labels:edition_jury", args=[2020])).status_code == 200
    url = reverse("labels:jury_seat_set", args=[2020, JurySeat.CNCI])
    refused = client.post(
        url, {"cnci-user": str(oai_counsellor.pk), "cnci-version": str(build.fresh(ranked_2020).version)}
    )
    assert refused.status_code == 400
    assert "Ce compte n&#x27;a pas le rôle de membre du jury" in _text(refused)
    assert not JuryMember.objects.exists()
    response = client.post(
        url,
        {
            "cnci-user": str(jury_cnci.pk),
            "cnci-title": "Directeur de la CNCI",
            "cnci-version": str(build.fresh(ranked_2020).version),
        },
    )
    assert response.status_code == 302
    member = JuryMember.objects.get(edition=ranked_2020, seat=JurySeat.CNCI)
    assert (member.user, member.title) == (jury_cnci, "Directeur de la CNCI")


def test_staff_give_a_labelled_company_a_special_label(client_for, cnip_staff, ranked_2020):
    edition_compute_ranking(edition=ranked_2020, computed_by=cnip_staff)
    entry = RankingEntry.objects.get(edition=ranked_2020, rank=1)
    assert entry.labelled
    response = client_for(cnip_staff).post(
        reverse("labels:special_label", args=[2020, entry.pk]), {"special_label": "Coup de cœur"}, follow=True
    )
    entry.refresh_from_db()
    assert entry.special_label == "Coup de cœur"
    assert "Coup de cœur" in _text(response)


# --- printing -----------------------------------------------------------------------------------


def test_printing_the_certificates_queues_one_job_and_leads_to_its_page(
    client_for, cnip_staff, ranked_2020, django_capture_on_commit_callbacks
):
    edition_compute_ranking(edition=ranked_2020, computed_by=cnip_staff)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(cnip_staff).post(reverse("labels:edition_certificates", args=[2020]))
    job = ReportJob.objects.get()
    assert job.kind == ReportKind.LABEL_CERTIFICATES
    assert job.parameters == {"edition": "2020"}
    assert job.requested_by == cnip_staff
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:detail", kwargs={"job_id": job.pk})
    assert len(callbacks) == 1


def test_one_labelled_companys_certificate_is_printed_again_on_its_own(
    client_for, cnip_staff, ranked_2020, django_capture_on_commit_callbacks
):
    edition_compute_ranking(edition=ranked_2020, computed_by=cnip_staff)
    entry = RankingEntry.objects.filter(edition=ranked_2020, labelled=True).order_by("rank").first()
    assert entry is not None
    client = client_for(cnip_staff)
    assert f"Certificat de {entry.company_name}" in _text(client.get(reverse("labels:edition_detail", args=[2020])))

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(reverse("labels:edition_certificate", args=[2020, entry.company_id]))

    job = ReportJob.objects.get()
    assert job.parameters == {"edition": "2020", "company": str(entry.company_id), "company_name": entry.company_name}
    assert response["Location"] == reverse("reports:detail", kwargs={"job_id": job.pk})


def test_a_company_that_is_not_labelled_gets_no_certificate(client_for, cnip_staff, ranked_2020, with_jury):
    edition_compute_ranking(edition=ranked_2020, computed_by=cnip_staff)
    unlabelled = RankingEntry.objects.filter(edition=ranked_2020, labelled=False).first()
    company_id = unlabelled.company_id if unlabelled else 999_999

    response = client_for(cnip_staff).post(reverse("labels:edition_certificate", args=[2020, company_id]), follow=True)
    juror = client_for(with_jury[JurySeat.OAI_NE].user).post(
        reverse("labels:edition_certificate", args=[2020, company_id])
    )

    assert "n&#x27;est pas labellisée" in _text(response)
    assert juror.status_code == 404
    assert not ReportJob.objects.exists()


def test_printing_before_any_ranking_is_refused_in_french(client_for, cnip_staff, ranked_2020):
    response = client_for(cnip_staff).post(reverse("labels:edition_certificates", args=[2020]), follow=True)
    assert "n&#x27;est pas encore calculé" in _text(response)
    assert not ReportJob.objects.exists()


def test_a_jury_member_requests_the_palmares_of_their_edition(
    client_for, cnip_staff, ranked_2020, with_jury, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        response = client_for(with_jury[JurySeat.CNCI].user).post(reverse("labels:edition_palmares", args=[2020]))
    job = ReportJob.objects.get()
    assert job.kind == ReportKind.LABEL_PALMARES
    assert response["Location"] == reverse("reports:detail", kwargs={"job_id": job.pk})
