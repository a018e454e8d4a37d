import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from otop_portal.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from otop_portal.models import Province, Role, User
from partners.models import Partner
from producers.models import Category, CertificationType

pytestmark = pytest.mark.django_db


def test_reference_data_loads_partners_categories_certificates_and_provinces():
    call_command("load_reference_data", verbosity=0)
    assert Province.objects.count() == 77
    assert Category.objects.count() == 5
    assert Partner.objects.count() == 8
    assert set(CertificationType.objects.values_list("code", flat=True)) >= {
        "fda",
        "tcps",
        "gmp",
        "halal",
        "organic",
        "gi",
    }


def test_reloading_reference_data_keeps_what_people_edited():
    call_command("load_reference_data", verbosity=0)
    Partner.objects.filter(code="central").update(name_en="Central Retail (edited)")
    call_command("load_reference_data", verbosity=0)
    assert Partner.objects.get(code="central").name_en == "Central Retail (edited)"
    assert Partner.objects.count() == 8


def test_demo_data_is_refused_with_debug_off():
    with pytest.raises(CommandError, match="refused with DEBUG off"):
        call_command("load_demo_data", verbosity=0)


def test_demo_data_creates_one_account_per_role_and_changes_nothing_on_rerun(capsys):
    call_command("load_reference_data", verbosity=0)
    call_command("load_demo_data", force=True)
    assert User.objects.count() == len(DEMO_ACCOUNTS)
    assert set(User.objects.values_list("role", flat=True)) == set(Role.values)
    officer = User.objects.get(email="officer@demo.otop.th")
    officer.set_password("changed-by-hand-1")
    officer.save()

    call_command("load_demo_data", force=True)
    out = capsys.readouterr().out
    assert "0 account(s) added" in out
    assert "0 demo product(s) added" in out
    assert DEMO_PASSWORD in out
    assert User.objects.count() == len(DEMO_ACCOUNTS)
    officer.refresh_from_db()
    assert officer.check_password("changed-by-hand-1")


@pytest.mark.django_db(transaction=True)  # real commits: the emails go after them
def test_demo_data_gives_the_demo_partner_a_shortlist_once(capsys, settings):
    from matching.models import Referral, ReferralState

    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"  # as `make run`
    call_command("load_reference_data", verbosity=0)
    call_command("load_demo_data", force=True)
    sent = Referral.objects.filter(channel__partner__code__in=["central", "shopee"])
    assert sent.filter(state=ReferralState.SENT).exists()
    accepted = sent.get(state=ReferralState.ACCEPTED)  # Central's demo buyer took one
    assert accepted.channel.partner.code == "central"
    assert accepted.product.photos.count() == 1 and accepted.product.weight_grams
    assert accepted.product.producer.status == "verified"
    assert "Subject:" not in capsys.readouterr().out  # no demo email printed over the logins
    count = sent.count()
    capsys.readouterr()

    call_command("load_demo_data", force=True)
    assert "0 demo referral(s) sent" in capsys.readouterr().out
    assert sent.count() == count
