"""SES's verdict headers: spam and virus scans, SPF, DKIM and DMARC, read where SES wrote
them (on top of the message) and nowhere else."""

from __future__ import annotations

import pytest

from chalicelib.channels import files
from chalicelib.channels.email import verdicts
from chalicelib.channels.email.parse import parse
from chalicelib.channels.email.verdicts import Verdicts

pytestmark = pytest.mark.unit


def ses_block(
    spam: str = "PASS",
    virus: str = "PASS",
    spf: str = "pass",
    dkim: str = "dkim=pass header.i=@gmail.com",
    dmarc: str = "dmarc=pass header.from=gmail.com",
) -> str:
    """The headers SES prepends, as in its receiving notifications (Return-Path, Received,
    the verdicts, Received-SPF, Authentication-Results, X-SES-RECEIPT)."""
    return (
        "Return-Path: <jeanne.martin@gmail.com>\r\n"
        "Received: from mail-wm1-f41.google.com (mail-wm1-f41.google.com [209.85.128.41])"
        " by inbound-smtp.eu-west-1.amazonaws.com with SMTP id 4q5e6r\r\n"
        " for biot@concerto.local; Sun, 29 Nov 2026 07:00:00 +0000 (UTC)\r\n"
        f"X-SES-Spam-Verdict: {spam}\r\n"
        f"X-SES-Virus-Verdict: {virus}\r\n"
        f"Received-SPF: {spf} (spfCheck: domain of _spf.google.com designates 209.85.128.41"
        " as permitted sender) client-ip=209.85.128.41;"
        " envelope-from=jeanne.martin@gmail.com; helo=mail-wm1-f41.google.com;\r\n"
        f"Authentication-Results: amazonses.com;\r\n spf={spf} (spfCheck: domain of"
        " _spf.google.com designates 209.85.128.41 as permitted sender)"
        " client-ip=209.85.128.41; envelope-from=jeanne.martin@gmail.com;"
        f" helo=mail-wm1-f41.google.com;\r\n {dkim};\r\n {dmarc};\r\n"
        "X-SES-RECEIPT: AEFBQUFBQUFBQUFGY3BVR0FHdUppVkNIYzdkMVFSYVFrSzhp\r\n"
    )


def mail(top: str = "", sender: str = "jeanne.martin@gmail.com", inner: str = "") -> bytes:
    return (
        f"{top}{inner}From: Jeanne Martin <{sender}>\r\nTo: biot@concerto.local\r\n"
        "Subject: Lampadaire\r\nMessage-ID: <v1@gmail.com>\r\n\r\n"
        "Le lampadaire est éteint.\r\n"
    ).encode()


def test_the_verdicts_ses_writes_are_read_and_prove_the_sender() -> None:
    found = verdicts.read(mail(ses_block()))
    assert found == Verdicts(
        spam="PASS",
        virus="PASS",
        spf="pass",
        dmarc="pass",
        dmarc_from="gmail.com",
        dkim_domains=("gmail.com",),
    )
    assert found.flagged == ""
    assert found.virus_free
    assert found.proves("jeanne.martin@gmail.com")
    assert found.proves("Jeanne.Martin@GMAIL.com")
    # The checks were about gmail.com: they prove no other domain's address.
    assert not found.proves("jeanne@orange.fr")
    assert not found.proves("")


@pytest.mark.parametrize(
    ("spam", "virus", "reason"),
    [
        ("PASS", "FAIL", "virus"),
        ("FAIL", "PASS", "spam"),
        ("FAIL", "FAIL", "virus"),
        ("GRAY", "PASS", ""),
        ("PROCESSING_FAILED", "PROCESSING_FAILED", ""),
        ("pass", "fail", "virus"),
    ],
)
def test_a_virus_or_spam_fail_flags_the_mail(spam: str, virus: str, reason: str) -> None:
    found = verdicts.read(mail(ses_block(spam=spam, virus=virus)))
    assert (reason in found.flagged) if reason else found.flagged == ""
    assert found.virus_free is (virus.upper() == "PASS")


def test_a_mail_that_did_not_come_through_ses_proves_nothing() -> None:
    found = verdicts.read(mail())
    assert found == Verdicts()
    assert (found.flagged, found.virus_free, found.proves("jeanne.martin@gmail.com")) == (
        "",
        False,
        False,
    )


def test_the_topmost_verdict_is_ses_s_and_a_sender_s_own_further_down_is_never_read() -> None:
    forged = (
        "X-SES-Virus-Verdict: PASS\r\nX-SES-Spam-Verdict: PASS\r\n"
        "Authentication-Results: amazonses.com; spf=pass; dkim=pass header.i=@gmail.com;"
        " dmarc=pass header.from=gmail.com;\r\n"
    )
    found = verdicts.read(mail(ses_block(virus="FAIL", spf="fail"), inner=forged))
    assert found.virus == "FAIL"
    assert not found.proves("jeanne.martin@gmail.com")
    # An Authentication-Results another server wrote on top is not SES's: nothing proven.
    other = "Authentication-Results: mx.example.net; spf=pass; dmarc=pass header.from=gmail.com\r\n"
    assert not verdicts.read(mail(other + ses_block())).proves("jeanne.martin@gmail.com")


@pytest.mark.parametrize(
    ("changes", "proven"),
    [
        ({"spf": "softfail"}, False),
        ({"spf": "none"}, False),
        ({"dmarc": "dmarc=fail header.from=gmail.com"}, False),
        ({"dmarc": "dmarc=none header.from=gmail.com"}, False),
        ({"dmarc": "dmarc=pass header.from=example.org"}, False),
        ({"dmarc": ""}, False),
        # DKIM signed by someone else (a mailing service) only, or failed: not aligned.
        ({"dkim": "dkim=pass header.i=@sendgrid.net"}, False),
        ({"dkim": "dkim=fail header.i=@gmail.com"}, False),
        ({"dkim": "dkim=none"}, False),
        # A subdomain or parent of the From domain aligns (DMARC's relaxed mode).
        ({"dkim": "dkim=pass header.i=@mail.gmail.com"}, True),
        ({"dkim": "dkim=pass header.i=@sendgrid.net; dkim=pass header.d=gmail.com"}, True),
        ({"dkim": "dkim=pass header.i=@com"}, False),
    ],
)
def test_a_sender_is_proven_only_by_spf_dmarc_and_an_aligned_dkim(
    changes: dict[str, str], proven: bool
) -> None:
    found = verdicts.read(mail(ses_block(**changes)))
    assert found.proves("jeanne.martin@gmail.com") is proven


def test_unreadable_or_odd_values_count_as_absent() -> None:
    junk = (
        "X-SES-Virus-Verdict: maybe\r\nX-SES-Spam-Verdict:\r\n"
        "Authentication-Results: amazonses.com; spf; dkim=; dmarc=(pass)\r\n"
    )
    found = verdicts.read(mail(junk))
    assert found == Verdicts()
    assert verdicts.read(b"") == Verdicts()
    assert verdicts.read(b"\x00\xff garbage \r\n\r\n") == Verdicts()


def test_the_parsed_email_carries_the_verdicts_even_when_its_mime_is_broken() -> None:
    parsed = parse(mail(ses_block(virus="FAIL")))
    assert parsed.verdicts.virus == "FAIL"
    assert parsed.error is None
    broken = (ses_block(virus="FAIL") + "To: biot@concerto.local\r\n\r\n").encode()
    nameless = parse(broken)
    assert nameless.error == "no sender address"
    assert nameless.verdicts.flagged


@pytest.mark.parametrize(
    ("name", "content_type", "macro"),
    [
        ("compte-rendu.doc", "application/msword", True),
        ("budget.xls", "application/vnd.ms-excel", True),
        ("plan.ppt", "application/vnd.ms-powerpoint", True),
        ("lettre.rtf", "application/rtf", True),
        ("modele.dot", "application/octet-stream", True),
        ("diapo.pps", "application/octet-stream", True),
        ("classeur.xlsb", "application/vnd.ms-excel.sheet.binary.macroEnabled.12", True),
        # Declared as a PDF but a Word file by its type, or by its name.
        ("photo.pdf", "application/msword", True),
        ("photo.pdf", "text/rtf; charset=us-ascii", True),
        (
            "compte-rendu.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            False,
        ),
        ("photo.jpg", "image/jpeg", False),
        ("doc", "application/pdf", False),
    ],
)
def test_legacy_office_formats_are_recognised_by_name_or_type(
    name: str, content_type: str, macro: bool
) -> None:
    assert files.macro_capable(name, content_type) is macro


def test_the_email_limits_apply_to_files_from_any_channel() -> None:
    mb = 1024 * 1024
    assert files.refusal("photo.jpg", "image/jpeg", 2 * mb, (0, 0)) == ""
    assert files.refusal("note.ogg", "audio/ogg; codecs=opus", 1000, (0, 0)) == ""
    assert files.refusal("photo.jpg", "image/jpeg", 11 * mb, (0, 0)) == "too_large"
    assert files.refusal("page.html", "text/html", 10, (0, 0)) == "type_not_allowed"
    assert files.refusal("setup.exe", "image/jpeg", 10, (0, 0)) == "type_not_allowed"
    assert files.refusal("photo.jpg", "image/jpeg", 10, (10, 100)) == "too_many"
    assert files.refusal("photo.jpg", "image/jpeg", 9 * mb, (2, 20 * mb)) == "total_too_large"
