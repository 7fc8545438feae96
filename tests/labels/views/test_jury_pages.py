"""The jury's pages: the marking sheet, recusals, approving the ranking; nobody else reaches them."""

import pytest
from django.urls import reverse

from cii_platform.accounts.models import Role, User
from labels.models import (
    Criterion,
    CriterionKind,
    Edition,
    EditionStatus,
    JuryApproval,
    JuryMember,
    JuryScore,
    JurySeat,
    PartnerCompany,
    Recusal,
)
from labels.services.jury import jury_score_set
from tests.labels import edition_builders as build

pytestmark = pytest.mark.django_db


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


@pytest.fixture
def edition_2020(cnip_staff: User) -> Edition:
    build.outcomes(build.company("Garage des Alpes"), finished=3, hired=2)
    build.outcomes(build.company("Hôtel du Port", canton="VD", locality="Nyon"), finished=2, hired=1)
    return build.edition(cnip_staff, 2020)


@pytest.fixture
def members(edition_2020, cnip_staff, jury_oai, jury_cnip_council, jury_cnci) -> dict[str, JuryMember]:
    return build.full_jury(edition_2020, cnip_staff, jury_oai, jury_cnip_council, jury_cnci)


def _criterion(edition: Edition) -> Criterion:
    criterion = Criterion.objects.filter(edition=edition, kind=CriterionKind.QUALITATIVE).order_by("position").first()
    assert criterion is not None
    return criterion


def _garage() -> PartnerCompany:
    return PartnerCompany.objects.get(name="Garage des Alpes")


def _mark_url(edition: Edition, criterion: Criterion, company: PartnerCompany) -> str:
    return reverse("labels:mark_set", args=[edition.year, criterion.pk, company.pk])


def test_a_jury_member_sees_a_form_per_company_and_qualitative_criterion(client_for, edition_2020, members, jury_oai):
    response = client_for(jury_oai).get(reverse("labels:edition_marks", args=[2020]))
    assert response.status_code == 200
    page = _text(response)
    qualitative = Criterion.objects.filter(edition=edition_2020, kind=CriterionKind.QUALITATIVE).count()
    assert qualitative == 3
    assert page.count("Enregistrer la note") == 2 * qualitative
    assert "Garage des Alpes" in page and "Hôtel du Port" in page


def test_a_jury_member_marks_a_company(client_for, edition_2020, members, jury_oai):
    criterion, company = _criterion(edition_2020), _garage()
    prefix = f"m{criterion.pk}-{company.pk}"
    response = client_for(jury_oai).post(
        _mark_url(edition_2020, criterion, company), {f"{prefix}-score": "7.5", f"{prefix}-comment": "Très engagé"}
    )
    assert response.status_code == 302
    mark = JuryScore.objects.get(member=members[JurySeat.OAI_NE], criterion=criterion, company=company)
    assert (str(mark.score), mark.comment, mark.version) == ("7.50", "Très engagé", 1)
    page = _text(client_for(jury_oai).get(reverse("labels:edition_marks", args=[2020])))
    assert 'value="7.50"' in page


def test_a_stale_mark_is_refused_in_french_and_the_mark_is_kept(client_for, edition_2020, members, jury_oai):
    criterion, company = _criterion(edition_2020), _garage()
    member = members[JurySeat.OAI_NE]
    mark = jury_score_set(member=member, criterion=criterion, company=company, score=5, scored_by=jury_oai)
    jury_score_set(
        member=member, criterion=criterion, company=company, score=6, scored_by=jury_oai, expected_version=mark.version
    )
    prefix = f"m{criterion.pk}-{company.pk}"
    response = client_for(jury_oai).post(
        _mark_url(edition_2020, criterion, company), {f"{prefix}-score": "9", f"{prefix}-version": "1"}
    )
    assert response.status_code == 400
    assert "Cette note a été modifiée depuis que vous l&#x27;avez ouverte." in _text(response)
    assert JuryScore.objects.get(pk=mark.pk).score == 6


def test_a_mark_above_the_maximum_is_refused_in_french(client_for, edition_2020, members, jury_oai):
    criterion, company = _criterion(edition_2020), _garage()
    prefix = f"m{criterion.pk}-{company.pk}"
    response = client_for(jury_oai).post(_mark_url(edition_2020, criterion, company), {f"{prefix}-score": "11"})
    assert response.status_code == 400
    assert "La note va de 0 à 10" in _text(response)
    assert not JuryScore.objects.exists()


def test_a_jury_member_recuses_and_the_company_shows_without_inputs(client_for, edition_2020, members, jury_cnci):
    criterion, company = _criterion(edition_2020), _garage()
    member = members[JurySeat.CNCI]
    jury_score_set(member=member, criterion=criterion, company=company, score=5, scored_by=jury_cnci)
    client = client_for(jury_cnci)
    response = client.post(
        reverse("labels:recusal_record", args=[2020]),
        {"recusal-company": str(company.pk), "recusal-reason": "Membre du conseil d'administration"},
    )
    assert response.status_code == 302
    assert Recusal.objects.filter(member=member, company=company).exists()
    assert not JuryScore.objects.filter(member=member, company=company).exists()
    page = _text(client.get(reverse("labels:edition_marks", args=[2020])))
    assert "récusé·e" in page
    assert page.count("Enregistrer la note") == 3  # only the other company's criteria
    assert _mark_url(edition_2020, criterion, company) not in page
    refused = client.post(_mark_url(edition_2020, criterion, company), {f"m{criterion.pk}-{company.pk}-score": "5"})
    assert refused.status_code == 400
    assert "Vous êtes récusé·e pour cette entreprise" in _text(refused)
    assert not JuryScore.objects.filter(member=member, company=company).exists()


def test_a_recusal_without_reason_is_refused_in_french(client_for, edition_2020, members, jury_cnci):
    response = client_for(jury_cnci).post(
        reverse("labels:recusal_record", args=[2020]), {"recusal-company": str(_garage().pk), "recusal-reason": ""}
    )
    assert response.status_code == 400
    assert "Indiquez le motif de la récusation" in _text(response)
    assert not Recusal.objects.exists()


def test_a_jury_member_approves_the_ranking_with_a_comment_and_withdraws(
    client_for, cnip_staff, edition_2020, members, jury_cnip_council
):
    build.with_the_jury(build.fresh(edition_2020), cnip_staff)
    client = client_for(jury_cnip_council)
    response = client.post(reverse("labels:jury_approve", args=[2020]), {"comment": "Rien à redire."}, follow=True)
    approval = JuryApproval.objects.get(member=members[JurySeat.CNIP_COUNCIL])
    assert approval.comment == "Rien à redire."
    assert approval.ranking_computed_at == build.fresh(edition_2020).computed_at
    page = _text(response)
    assert "Vous avez approuvé ce classement le" in page
    assert "Rien à redire." in page
    client.post(reverse("labels:jury_approval_withdraw", args=[2020]))
    assert not JuryApproval.objects.exists()


def test_approving_a_ranking_not_with_the_jury_is_refused_in_french(client_for, edition_2020, members, jury_oai):
    response = client_for(jury_oai).post(reverse("labels:jury_approve", args=[2020]), {}, follow=True)
    assert "n&#x27;est pas soumis au jury" in _text(response)
    assert not JuryApproval.objects.exists()


def test_a_jury_member_sees_the_ranking_of_their_edition_without_the_staffs_actions(
    client_for, cnip_staff, edition_2020, members, jury_oai
):
    build.with_the_jury(build.fresh(edition_2020), cnip_staff)
    page = _text(client_for(jury_oai).get(reverse("labels:edition_detail", args=[2020])))
    assert "Garage des Alpes" in page
    assert "Approuver le classement" in page
    assert reverse("labels:edition_compute", args=[2020]) not in page
    assert reverse("labels:edition_publish", args=[2020]) not in page
    assert reverse("labels:edition_certificates", args=[2020]) not in page


def test_cnip_staff_do_not_reach_a_marking_sheet(client_for, edition_2020, members, cnip_staff):
    assert client_for(cnip_staff).get(reverse("labels:edition_marks", args=[2020])).status_code == 404


@pytest.mark.parametrize("persona", ["outsider", "other_juror", "cnip_staff"])
def test_nobody_but_the_member_marks_recuses_or_approves(
    client_for, cnip_staff, edition_2020, members, persona, request, make_account
):
    other = make_account("jury.autre", None, None, (Role.LABEL_JURY,))
    build.seat(build.edition(cnip_staff, 2019), cnip_staff, {JurySeat.OAI_NE: other})
    user = other if persona == "other_juror" else request.getfixturevalue(persona)
    build.with_the_jury(build.fresh(edition_2020), cnip_staff)
    before = build.fresh(edition_2020)
    criterion, company = _criterion(edition_2020), _garage()
    client = client_for(user)
    prefix = f"m{criterion.pk}-{company.pk}"
    assert client.get(reverse("labels:edition_marks", args=[2020])).status_code == 404
    assert client.post(_mark_url(edition_2020, criterion, company), {f"{prefix}-score": "5"}).status_code == 404
    recusal = {"recusal-company": str(company.pk), "recusal-reason": "lien"}
    assert client.post(reverse("labels:recusal_record", args=[2020]), recusal).status_code == 404
    assert client.post(reverse("labels:jury_approve", args=[2020]), {"comment": "x"}).status_code == 404
    assert client.post(reverse("labels:jury_approval_withdraw", args=[2020])).status_code == 404
    after = build.fresh(edition_2020)
    assert (after.status, after.version) == (EditionStatus.JURY, before.version)
    assert not JuryScore.objects.exists()
    assert not Recusal.objects.exists()
    assert not JuryApproval.objects.exists()
