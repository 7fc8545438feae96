"""Editions API: CNIP staff run the workflow, jury members read their edition and act for their seat; 404 for others."""

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cii_platform.accounts.models import User
from cii_platform.reports.models import ReportJob, ReportKind
from labels.models import (
    Criterion,
    Edition,
    EditionFigures,
    EditionStatus,
    JuryApproval,
    JuryMember,
    JuryScore,
    JurySeat,
    RankingEntry,
    Recusal,
)
from labels.services.editions import edition_compute_ranking
from tests.labels.edition_builders import (
    DAYS_ONLY,
    MARK_ONLY,
    approve,
    company,
    edition,
    fresh,
    full_jury,
    only_criteria,
    outcomes,
    with_the_jury,
)

pytestmark = pytest.mark.django_db

URL = "/api/label/editions/"
JSON = "application/json"


@pytest.fixture
def with_jury(cnip_staff, jury_oai, jury_cnip_council, jury_cnci) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The 2020 edition computed and with its full jury; two companies (NE 3 of 7 hired, VD 2 of 5), both labelled."""
    lake, hills = company("Lac SA", "NE"), company("Collines Sàrl", "VD", "Lausanne")
    outcomes(lake, finished=7, hired=3, unfinished=2)
    outcomes(hills, finished=5, hired=2)
    current = edition(cnip_staff, 2020, threshold="1")
    members = full_jury(current, cnip_staff, jury_oai, jury_cnip_council, jury_cnci)
    current = with_the_jury(fresh(current), cnip_staff)
    return {"edition": current, "members": members, "companies": (lake, hills)}


@pytest.fixture
def marking(cnip_staff, jury_oai, jury_cnip_council, jury_cnci) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A draft 2020 edition with a qualitative criterion, its full jury and one company that hosted interns."""
    lake = company("Lac SA", "NE")
    outcomes(lake, finished=2, hired=1)
    current = edition(cnip_staff, 2020)
    _days, mark = only_criteria(current, DAYS_ONLY, MARK_ONLY)
    members = full_jury(current, cnip_staff, jury_oai, jury_cnip_council, jury_cnci)
    return {"edition": fresh(current), "criterion": mark, "company": lake, "members": members}


# --- list and detail ----------------------------------------------------------------------------


def test_cnip_staff_list_every_edition_and_a_jury_member_only_theirs(client_for, cnip_staff, with_jury, jury_oai):
    edition(cnip_staff, 2019)

    assert [row["year"] for row in client_for(cnip_staff).get(URL).json()] == [2020, 2019]
    assert [row["year"] for row in client_for(jury_oai).get(URL).json()] == [2020]


def test_the_edition_list_costs_the_same_queries_for_3_and_for_30_editions(client_for, cnip_staff):
    client = client_for(cnip_staff)

    def count() -> int:
        client.get(URL)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    for year in range(2000, 2003):
        edition(cnip_staff, year)
    three = count()
    for year in range(2003, 2030):
        edition(cnip_staff, year)
    assert count() == three


def test_the_detail_gives_figures_with_the_previous_edition_criteria_jury_and_status(
    client_for, cnip_staff, with_jury, jury_oai
):
    edition(cnip_staff, 2019)

    body = client_for(jury_oai).get(f"{URL}2020/").json()

    assert body["edition"]["status"] == "jury"
    assert body["my_seat"] == "oai_ne"
    figures = body["figures"]["current"]
    assert (figures["interns"], figures["finished"], figures["hired"], figures["labelled"]) == (14, 12, 5, 2)
    assert figures["reinsertion_percent"] == "41.67"
    assert {row["canton"]: row["count"] for row in figures["labelled_by_canton"]} == {"NE": 1, "VD": 1}
    assert body["figures"]["previous"]["year"] == 2019
    assert [criterion["name"] for criterion in body["criteria"]] == [
        criterion.name for criterion in Criterion.objects.filter(edition=with_jury["edition"])
    ]
    seats = {seat["seat"]: seat for seat in body["jury"]["seats"]}
    assert seats["oai_ne"]["member"]["user"]["id"] == jury_oai.pk
    assert body["jury"]["approvals"] == 0 and body["jury"]["complete"] is False


def test_the_ranking_shows_rates_points_rank_ranges_tie_rule_and_sensitivity(client_for, with_jury, jury_cnci):
    lake, hills = with_jury["companies"]

    body = client_for(jury_cnci).get(f"{URL}2020/ranking/").json()

    rows = {row["company"]: row for row in body["rows"]}
    assert set(rows) == {lake.pk, hills.pk}
    assert rows[lake.pk]["raw_rate"] == "0.428571"
    assert rows[hills.pk]["raw_rate"] == "0.400000"
    entry = RankingEntry.objects.get(company=lake)
    assert rows[lake.pk]["corrected_rate"] == str(entry.corrected_rate)
    assert float(rows[lake.pk]["corrected_rate"]) < 3 / 7
    assert rows[lake.pk]["rank"] == entry.rank and rows[lake.pk]["rank_low"] == entry.rank_low
    assert rows[lake.pk]["rank_high"] == entry.rank_high
    assert [cell["criterion_id"] for cell in rows[lake.pk]["criteria"]] == [int(key) for key in entry.points]
    assert (
        rows[lake.pk]["criteria"][0]["points"]
        == entry.points[str(rows[lake.pk]["criteria"][0]["criterion_id"])]["points"]
    )
    assert body["tie_rule"].startswith("À score égal")
    assert isinstance(body["sensitivity"]["stable"], bool)
    assert body["sensitivity"]["checks"][0]["summary"]


def test_the_ranking_costs_the_same_queries_for_3_and_for_30_companies(client_for, cnip_staff):
    current = edition(cnip_staff, 2020)
    client = client_for(cnip_staff)

    def count() -> int:
        edition_compute_ranking(edition=fresh(current), computed_by=cnip_staff)
        client.get(f"{URL}2020/ranking/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"{URL}2020/ranking/").status_code == 200
        return len(queries)

    for number in range(3):
        outcomes(company(f"Entreprise {number}"), finished=1, hired=number % 2)
    three = count()
    for number in range(3, 30):
        outcomes(company(f"Entreprise {number}"), finished=1, hired=number % 2)
    assert count() == three


# --- who gets what ------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["outsider", "oai_counsellor"])
def test_outsiders_get_404_everywhere_and_change_nothing(
    request: pytest.FixtureRequest, client_for: Callable[[User], Client], with_jury: dict[str, Any], persona: str
) -> None:
    client = client_for(request.getfixturevalue(persona))
    version = fresh(with_jury["edition"]).version

    assert client.get(URL).status_code == 404
    assert client.get(f"{URL}2020/").status_code == 404
    assert client.get(f"{URL}2020/ranking/").status_code == 404
    for action in ("compute", "submit", "publish", "approve", "withdraw-approval", "certificates"):
        assert client.post(f"{URL}2020/{action}/", {}, content_type=JSON).status_code == 404, action
    assert client.patch(f"{URL}2020/", {"prizes": 1, "version": version}, content_type=JSON).status_code == 404
    assert client.post(URL, {"year": 2021, "threshold": "1"}, content_type=JSON).status_code == 404
    current = fresh(with_jury["edition"])
    assert (current.status, current.prizes, current.version) == (EditionStatus.JURY, 3, version)
    assert not JuryApproval.objects.exists()
    assert not Edition.objects.filter(year=2021).exists()
    assert not ReportJob.objects.exists()


def test_a_jury_member_gets_404_on_another_edition(client_for, cnip_staff, with_jury, jury_oai):
    edition(cnip_staff, 2019)
    client = client_for(jury_oai)

    assert client.get(f"{URL}2019/").status_code == 404
    assert client.get(f"{URL}2019/ranking/").status_code == 404
    assert client.get(f"{URL}2018/").status_code == 404


def test_a_jury_member_gets_404_on_the_actions_of_cnip_staff_and_changes_nothing(client_for, with_jury, jury_oai):
    client = client_for(jury_oai)
    version = fresh(with_jury["edition"]).version
    lake, _hills = with_jury["companies"]
    entry = RankingEntry.objects.get(company=lake)

    for action in ("compute", "submit", "publish", "certificates"):
        assert client.post(f"{URL}2020/{action}/", {}, content_type=JSON).status_code == 404, action
    assert client.post(f"{URL}2020/reopen/", {"version": version}, content_type=JSON).status_code == 404
    assert client.patch(f"{URL}2020/", {"prizes": 1, "version": version}, content_type=JSON).status_code == 404
    special = {"entry": entry.pk, "special_label": "Coup de cœur"}
    assert client.post(f"{URL}2020/special-label/", special, content_type=JSON).status_code == 404
    seat = {"user": jury_oai.pk, "version": version}
    assert client.put(f"{URL}2020/jury/cnci/", seat, content_type=JSON).status_code == 404
    assert client.post(URL, {"year": 2021, "threshold": "1"}, content_type=JSON).status_code == 404
    current = fresh(with_jury["edition"])
    assert (current.status, current.prizes, current.version) == (EditionStatus.JURY, 3, version)
    assert RankingEntry.objects.get(pk=entry.pk).special_label == ""
    assert not ReportJob.objects.exists()


# --- editions and their settings ----------------------------------------------------------------


def test_cnip_staff_open_an_edition(client_for, cnip_staff):
    response = client_for(cnip_staff).post(URL, {"year": 2021, "threshold": "2.50"}, content_type=JSON)

    assert response.status_code == 201
    assert response.json()["edition"]["period_start"] == "2021-01-01"
    current = Edition.objects.get(year=2021)
    assert (str(current.threshold), current.status) == ("2.50", EditionStatus.DRAFT)


def test_opening_a_year_twice_is_refused_in_french(client_for, cnip_staff):
    edition(cnip_staff, 2021)

    response = client_for(cnip_staff).post(URL, {"year": 2021, "threshold": "1"}, content_type=JSON)

    assert response.status_code == 400
    assert response.json()["year"] == ["L'édition 2021 existe déjà."]
    assert Edition.objects.count() == 1


def test_cnip_staff_patch_the_settings_and_a_ranking_input_voids_the_ranking(client_for, cnip_staff, with_jury):
    version = fresh(with_jury["edition"]).version

    response = client_for(cnip_staff).patch(
        f"{URL}2020/", {"prizes": 1, "ceremony_place": "Neuchâtel", "version": version}, content_type=JSON
    )

    assert response.status_code == 200
    assert response.json()["edition"]["status"] == "draft"
    current = fresh(with_jury["edition"])
    assert (current.prizes, current.ceremony_place, current.version) == (1, "Neuchâtel", version + 1)
    assert not RankingEntry.objects.exists()


def test_a_settings_patch_with_a_stale_version_answers_409_and_changes_nothing(client_for, cnip_staff, with_jury):
    version = fresh(with_jury["edition"]).version

    response = client_for(cnip_staff).patch(f"{URL}2020/", {"prizes": 1, "version": version - 1}, content_type=JSON)

    assert response.status_code == 409
    assert "a été modifiée par quelqu'un d'autre" in response.json()["detail"]
    current = fresh(with_jury["edition"])
    assert (current.prizes, current.status, current.version) == (3, EditionStatus.JURY, version)


def test_a_period_ending_before_it_starts_is_refused_in_french(client_for, cnip_staff):
    current = edition(cnip_staff, 2021)

    response = client_for(cnip_staff).patch(
        f"{URL}2021/", {"period_end": "2020-12-31", "version": current.version}, content_type=JSON
    )

    assert response.status_code == 400
    assert response.json()["period_end"] == ["La fin de la période de référence ne peut pas précéder son début."]
    assert fresh(current).period_end.year == 2021


# --- workflow -----------------------------------------------------------------------------------


def test_cnip_staff_compute_the_ranking(client_for, cnip_staff):
    outcomes(company("Lac SA"), finished=2, hired=1)
    edition(cnip_staff, 2020)

    response = client_for(cnip_staff).post(f"{URL}2020/compute/", content_type=JSON)

    assert response.status_code == 200
    assert response.json()["edition"]["status"] == "computed"
    assert RankingEntry.objects.get().company_name == "Lac SA"


def test_submitting_to_an_incomplete_jury_is_refused_in_french(client_for, cnip_staff):
    outcomes(company("Lac SA"), finished=2, hired=1)
    current = edition(cnip_staff, 2020)
    edition_compute_ranking(edition=current, computed_by=cnip_staff)

    response = client_for(cnip_staff).post(f"{URL}2020/submit/", content_type=JSON)

    assert response.status_code == 400
    assert response.json()["non_field_errors"][0].startswith("Le jury n'est pas complet")
    assert fresh(current).status == EditionStatus.COMPUTED


def test_cnip_staff_submit_a_computed_ranking_to_a_full_jury(
    client_for, cnip_staff, jury_oai, jury_cnip_council, jury_cnci
):
    outcomes(company("Lac SA"), finished=2, hired=1)
    current = edition(cnip_staff, 2020)
    full_jury(current, cnip_staff, jury_oai, jury_cnip_council, jury_cnci)
    edition_compute_ranking(edition=fresh(current), computed_by=cnip_staff)

    response = client_for(cnip_staff).post(f"{URL}2020/submit/", content_type=JSON)

    assert response.status_code == 200
    assert fresh(current).status == EditionStatus.JURY


def test_cnip_staff_reopen_a_ranking_with_the_version_read(client_for, cnip_staff, with_jury):
    approve([with_jury["members"][JurySeat.OAI_NE]])
    version = fresh(with_jury["edition"]).version

    response = client_for(cnip_staff).post(f"{URL}2020/reopen/", {"version": version}, content_type=JSON)

    assert response.status_code == 200
    assert fresh(with_jury["edition"]).status == EditionStatus.DRAFT
    assert not JuryApproval.objects.exists()


def test_a_reopen_with_a_stale_version_answers_409_and_changes_nothing(client_for, cnip_staff, with_jury):
    version = fresh(with_jury["edition"]).version

    response = client_for(cnip_staff).post(f"{URL}2020/reopen/", {"version": version - 1}, content_type=JSON)

    assert response.status_code == 409
    assert fresh(with_jury["edition"]).status == EditionStatus.JURY
    assert RankingEntry.objects.count() == 2


@pytest.mark.parametrize("approvals", [0, 2])
def test_publication_with_fewer_than_three_approvals_is_refused_in_french(client_for, cnip_staff, with_jury, approvals):
    approve(list(with_jury["members"].values())[:approvals])

    response = client_for(cnip_staff).post(f"{URL}2020/publish/", content_type=JSON)

    assert response.status_code == 400
    assert "il manque l'approbation du classement actuel" in response.json()["non_field_errors"][0]
    current = fresh(with_jury["edition"])
    assert (current.status, current.published_at) == (EditionStatus.JURY, None)
    assert not EditionFigures.objects.exists()


def test_cnip_staff_publish_after_the_three_approvals(client_for, cnip_staff, with_jury):
    approve(list(with_jury["members"].values()))

    response = client_for(cnip_staff).post(f"{URL}2020/publish/", content_type=JSON)

    assert response.status_code == 200
    assert response.json()["edition"]["status"] == "published"
    assert response.json()["figures"]["current"]["frozen"] is True
    assert EditionFigures.objects.get().labelled == 2


# --- criteria -----------------------------------------------------------------------------------


def test_cnip_staff_add_change_and_remove_a_criterion(client_for, cnip_staff):
    current = edition(cnip_staff, 2021)
    client = client_for(cnip_staff)
    added = client.post(
        f"{URL}2021/criteria/",
        {
            "name": "Engagement",
            "kind": "qualitative",
            "weight": "2",
            "normalisation": "scale",
            "version": fresh(current).version,
        },
        content_type=JSON,
    )
    assert added.status_code == 201
    criterion_id = added.json()["id"]

    changed = client.patch(
        f"{URL}2021/criteria/{criterion_id}/", {"weight": "3.5", "version": fresh(current).version}, content_type=JSON
    )
    assert changed.status_code == 200
    assert Criterion.objects.get(pk=criterion_id).weight == 3.5

    removed = client.delete(f"{URL}2021/criteria/{criterion_id}/?version={fresh(current).version}")
    assert removed.status_code == 204
    assert not Criterion.objects.filter(pk=criterion_id).exists()


def test_a_scale_on_a_count_is_refused_in_french(client_for, cnip_staff):
    current = edition(cnip_staff, 2021)

    response = client_for(cnip_staff).post(
        f"{URL}2021/criteria/",
        {
            "name": "Stagiaires",
            "kind": "quantitative",
            "metric": "interns",
            "weight": "1",
            "normalisation": "scale",
            "version": current.version,
        },
        content_type=JSON,
    )

    assert response.status_code == 400
    assert response.json()["normalisation"][0].startswith("L'échelle ne vaut que pour")
    assert not Criterion.objects.filter(name="Stagiaires").exists()


def test_a_criterion_change_with_a_stale_version_answers_409_and_changes_nothing(client_for, cnip_staff):
    current = edition(cnip_staff, 2021)
    criterion = Criterion.objects.filter(edition=current).first()
    assert criterion is not None
    weight = criterion.weight

    response = client_for(cnip_staff).patch(
        f"{URL}2021/criteria/{criterion.pk}/", {"weight": "9", "version": current.version + 1}, content_type=JSON
    )

    assert response.status_code == 409
    assert Criterion.objects.get(pk=criterion.pk).weight == weight


def test_removing_a_criterion_without_version_is_refused_in_french(client_for, cnip_staff):
    current = edition(cnip_staff, 2021)
    criterion = Criterion.objects.filter(edition=current).first()
    assert criterion is not None

    response = client_for(cnip_staff).delete(f"{URL}2021/criteria/{criterion.pk}/")

    assert response.status_code == 400
    assert "version" in response.json()["version"][0]
    assert Criterion.objects.filter(pk=criterion.pk).exists()


# --- the jury -----------------------------------------------------------------------------------


def test_cnip_staff_seat_and_unseat_a_jury_member(client_for, cnip_staff, jury_cnci):
    current = edition(cnip_staff, 2021)
    client = client_for(cnip_staff)

    seated = client.put(
        f"{URL}2021/jury/cnci/",
        {"user": jury_cnci.pk, "title": "Directeur", "version": fresh(current).version},
        content_type=JSON,
    )

    assert seated.status_code == 200
    assert seated.json()["user"]["id"] == jury_cnci.pk
    assert JuryMember.objects.get(edition=current).title == "Directeur"
    removed = client.delete(f"{URL}2021/jury/cnci/?version={fresh(current).version}")
    assert removed.status_code == 204
    assert not JuryMember.objects.exists()


def test_seating_an_account_without_the_jury_role_is_refused_in_french(client_for, cnip_staff, outsider):
    current = edition(cnip_staff, 2021)

    response = client_for(cnip_staff).put(
        f"{URL}2021/jury/cnci/", {"user": outsider.pk, "version": current.version}, content_type=JSON
    )

    assert response.status_code == 400
    assert response.json()["user"] == ["Ce compte n'a pas le rôle de membre du jury du Label Intégration."]
    assert not JuryMember.objects.exists()


def test_a_jury_member_approves_and_withdraws_their_approval(client_for, with_jury, jury_cnip_council):
    client = client_for(jury_cnip_council)

    approved = client.post(f"{URL}2020/approve/", {"comment": "Conforme."}, content_type=JSON)

    assert approved.status_code == 201
    assert approved.json()["seat"] == "cnip_council"
    assert JuryApproval.objects.get().comment == "Conforme."
    assert client.post(f"{URL}2020/approve/", {}, content_type=JSON).status_code == 400
    assert client.post(f"{URL}2020/withdraw-approval/", content_type=JSON).status_code == 204
    assert not JuryApproval.objects.exists()


def test_cnip_staff_cannot_approve_for_a_seat(client_for, cnip_staff, with_jury):
    assert client_for(cnip_staff).post(f"{URL}2020/approve/", {}, content_type=JSON).status_code == 404
    assert not JuryApproval.objects.exists()


def test_a_jury_member_marks_a_company_and_a_stale_mark_answers_409(client_for, marking, jury_oai):
    client = client_for(jury_oai)
    mark = {"criterion": marking["criterion"].pk, "company": marking["company"].pk, "score": "7.5"}

    created = client.post(f"{URL}2020/marks/", mark, content_type=JSON)
    assert created.status_code == 200
    assert (created.json()["version"], created.json()["seat"]) == (1, "oai_ne")

    again = client.post(f"{URL}2020/marks/", {**mark, "score": "9"}, content_type=JSON)
    assert again.status_code == 409
    assert JuryScore.objects.get().score == 7.5

    changed = client.post(f"{URL}2020/marks/", {**mark, "score": "9", "version": 1}, content_type=JSON)
    assert changed.status_code == 200
    assert JuryScore.objects.get().score == 9


def test_a_mark_out_of_range_is_refused_in_french(client_for, marking, jury_oai):
    mark = {"criterion": marking["criterion"].pk, "company": marking["company"].pk, "score": "11"}

    response = client_for(jury_oai).post(f"{URL}2020/marks/", mark, content_type=JSON)

    assert response.status_code == 400
    assert response.json()["score"] == ["La note va de 0 à 10, avec deux décimales au plus."]
    assert not JuryScore.objects.exists()


def test_cnip_staff_do_not_mark_for_a_seat(client_for, marking, cnip_staff):
    mark = {"criterion": marking["criterion"].pk, "company": marking["company"].pk, "score": "5"}

    assert client_for(cnip_staff).post(f"{URL}2020/marks/", mark, content_type=JSON).status_code == 404
    assert not JuryScore.objects.exists()


def test_a_jury_member_records_a_recusal_and_their_marks_go(client_for, marking, jury_cnci):
    client = client_for(jury_cnci)
    mark = {"criterion": marking["criterion"].pk, "company": marking["company"].pk, "score": "5"}
    assert client.post(f"{URL}2020/marks/", mark, content_type=JSON).status_code == 200

    response = client.post(
        f"{URL}2020/recusals/", {"company": marking["company"].pk, "reason": "Ancien employeur."}, content_type=JSON
    )

    assert response.status_code == 201
    assert response.json()["seat"] == "cnci"
    assert Recusal.objects.get().reason == "Ancien employeur."
    assert not JuryScore.objects.exists()


def test_a_recusal_without_reason_is_refused_in_french(client_for, marking, jury_cnci):
    response = client_for(jury_cnci).post(
        f"{URL}2020/recusals/", {"company": marking["company"].pk, "reason": ""}, content_type=JSON
    )

    assert response.status_code == 400
    assert response.json()["reason"] == ["Indiquez le motif de la récusation (le lien avec l'entreprise)."]
    assert not Recusal.objects.exists()


# --- special labels and certificates -------------------------------------------------------------


def test_cnip_staff_give_a_special_label_to_a_labelled_company(client_for, cnip_staff, with_jury):
    lake, _hills = with_jury["companies"]
    entry = RankingEntry.objects.get(company=lake)

    response = client_for(cnip_staff).post(
        f"{URL}2020/special-label/", {"entry": entry.pk, "special_label": "Coup de cœur"}, content_type=JSON
    )

    assert response.status_code == 200
    assert RankingEntry.objects.get(pk=entry.pk).special_label == "Coup de cœur"


def test_a_special_label_longer_than_80_characters_is_refused_in_french(client_for, cnip_staff, with_jury):
    entry = RankingEntry.objects.first()
    assert entry is not None

    response = client_for(cnip_staff).post(
        f"{URL}2020/special-label/", {"entry": entry.pk, "special_label": "x" * 81}, content_type=JSON
    )

    assert response.status_code == 400
    assert RankingEntry.objects.get(pk=entry.pk).special_label == ""


def test_cnip_staff_request_the_certificates_and_get_202_with_the_job(
    client_for, cnip_staff, with_jury, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(cnip_staff).post(f"{URL}2020/certificates/", content_type=JSON)

    assert response.status_code == 202
    job = ReportJob.objects.get()
    assert (job.kind, job.parameters["edition"], job.requested_by) == (
        ReportKind.LABEL_CERTIFICATES,
        "2020",
        cnip_staff,
    )
    assert response.json()["job"] == job.pk
    assert response.json()["url"].endswith(f"/rapports/{job.pk}/")
    assert len(callbacks) == 1


def test_certificates_of_an_edition_without_ranking_are_refused_in_french(
    client_for, cnip_staff, django_capture_on_commit_callbacks
):
    edition(cnip_staff, 2021)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client_for(cnip_staff).post(f"{URL}2021/certificates/", content_type=JSON)

    assert response.status_code == 400
    assert not ReportJob.objects.exists()
    assert callbacks == []


def test_a_jury_member_withdraws_a_mark_with_its_version_and_a_stale_one_answers_409(
    client_for, marking, jury_oai, jury_cnci
):
    client = client_for(jury_oai)
    mark = {"criterion": marking["criterion"].pk, "company": marking["company"].pk, "score": "6"}
    mark_id = client.post(f"{URL}2020/marks/", mark, content_type=JSON).json()["id"]

    stale = client.delete(f"{URL}2020/marks/{mark_id}/?version=2")
    other = client_for(jury_cnci).delete(f"{URL}2020/marks/{mark_id}/?version=1")
    assert (stale.status_code, other.status_code) == (409, 404)
    assert JuryScore.objects.filter(pk=mark_id).exists()

    assert client.delete(f"{URL}2020/marks/{mark_id}/?version=1").status_code == 204
    assert not JuryScore.objects.exists()


def test_a_recusal_is_withdrawn_by_its_member_and_no_one_else_but_cnip_staff(
    client_for, marking, jury_cnci, jury_oai, outsider
):
    client = client_for(jury_cnci)
    recusal_id = client.post(
        f"{URL}2020/recusals/", {"company": marking["company"].pk, "reason": "Ancien employeur."}, content_type=JSON
    ).json()["id"]

    assert client_for(jury_oai).delete(f"{URL}2020/recusals/{recusal_id}/").status_code == 404
    assert client_for(outsider).delete(f"{URL}2020/recusals/{recusal_id}/").status_code == 404
    assert Recusal.objects.filter(pk=recusal_id).exists()

    assert client.delete(f"{URL}2020/recusals/{recusal_id}/").status_code == 204
    assert not Recusal.objects.exists()


def test_the_jury_and_cnip_staff_request_the_palmares_and_others_get_404(
    client_for, cnip_staff, with_jury, jury_oai, outsider, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        by_jury = client_for(jury_oai).post(f"{URL}2020/palmares/", content_type=JSON)
        by_staff = client_for(cnip_staff).post(f"{URL}2020/palmares/", content_type=JSON)
        by_outsider = client_for(outsider).post(f"{URL}2020/palmares/", content_type=JSON)

    assert (by_jury.status_code, by_staff.status_code, by_outsider.status_code) == (202, 202, 404)
    assert ReportJob.objects.filter(kind=ReportKind.LABEL_PALMARES).count() == 2
