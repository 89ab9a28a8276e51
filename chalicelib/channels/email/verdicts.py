"""What the receiving server concluded about an e-mail: SES scans each one for spam and
viruses and checks SPF, DKIM and DMARC, and writes the results as headers on top of the
message (X-SES-Spam-Verdict, X-SES-Virus-Verdict, Received-SPF, Authentication-Results)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesHeaderParser
from email.policy import compat32

# The values of X-SES-Spam-Verdict and X-SES-Virus-Verdict (the receipt's spamVerdict and
# virusVerdict): https://docs.aws.amazon.com/ses/latest/dg/receiving-email-notifications-contents.html
PASS = "PASS"  # noqa: S105 - a verdict, not a password
FAIL = "FAIL"
GRAY = "GRAY"
PROCESSING_FAILED = "PROCESSING_FAILED"
_SES_VALUES = frozenset({PASS, FAIL, GRAY, PROCESSING_FAILED})
# The authserv-id SES writes first in its Authentication-Results.
SES_AUTHSERV_ID = "amazonses.com"

_COMMENT = re.compile(r"\([^()]*\)")
_RESULT = re.compile(r"^(spf|dkim|dmarc)\s*=\s*([a-z]+)\b(.*)$", re.IGNORECASE | re.DOTALL)
_PROPERTY = re.compile(r"\b(header\.[a-z]+|smtp\.[a-z]+)\s*=\s*(\S+)", re.IGNORECASE)
_MAX_HEADER = 4096


@dataclass(frozen=True)
class Verdicts:
    """Each verdict as SES gave it, or "" when the e-mail carries none (it did not come
    through SES, or SES could not tell). `spam` and `virus` are PASS, FAIL, GRAY or
    PROCESSING_FAILED; `spf` and `dmarc` are lower-case results (pass, fail, softfail,
    none…); `dkim_domains` are the domains whose DKIM signature passed; `dmarc_from` is
    the From domain DMARC judged."""

    spam: str = ""
    virus: str = ""
    spf: str = ""
    dmarc: str = ""
    dmarc_from: str = ""
    dkim_domains: tuple[str, ...] = ()

    @property
    def flagged(self) -> str:
        """Why the e-mail must not be filed ("" when it may be): a virus or spam FAIL."""
        if self.virus == FAIL:
            return "SES found a virus (X-SES-Virus-Verdict: FAIL)"
        if self.spam == FAIL:
            return "SES judged it spam (X-SES-Spam-Verdict: FAIL)"
        return ""

    @property
    def virus_free(self) -> bool:
        """True only when SES scanned the e-mail and found no virus."""
        return self.virus == PASS

    def proves(self, sender: str) -> bool:
        """Whether `sender` (the From address) is proven: SPF passed, DMARC passed for the
        From domain, and a DKIM signature of that domain (or of its parent or a
        subdomain: DMARC's relaxed alignment) passed. Anything absent proves nothing."""
        domain = sender.rpartition("@")[2].lower()
        if not domain or self.spf != "pass" or self.dmarc != "pass":
            return False
        if self.dmarc_from != domain:
            return False
        return any(_aligned(signer, domain) for signer in self.dkim_domains)


def read(raw: bytes) -> Verdicts:
    """The verdicts of the raw e-mail. Never raises: a header it cannot read is absent."""
    try:
        headers = BytesHeaderParser(policy=compat32).parsebytes(raw)
    except Exception:  # the MIME parser reports unreadable mail; here it only proves nothing
        return Verdicts()
    return from_headers(headers)


def from_headers(headers: Message) -> Verdicts:
    spam = _ses_verdict(_topmost(headers, "X-SES-Spam-Verdict"))
    virus = _ses_verdict(_topmost(headers, "X-SES-Virus-Verdict"))
    results = _authentication_results(_topmost(headers, "Authentication-Results"))
    spf = results.get("spf", [("", {})])[0][0]
    dmarc, dmarc_properties = results.get("dmarc", [("", {})])[0]
    dkim = tuple(
        _domain(properties.get("header.d") or properties.get("header.i", ""))
        for result, properties in results.get("dkim", [])
        if result == "pass"
    )
    return Verdicts(
        spam=spam,
        virus=virus,
        spf=spf,
        dmarc=dmarc,
        dmarc_from=_domain(dmarc_properties.get("header.from", "")),
        dkim_domains=tuple(domain for domain in dkim if domain),
    )


def _topmost(headers: Message, name: str) -> str:
    """The first occurrence of the header, unfolded. SES *prepends* its own trace and
    verdict headers to the message as the sender's server gave it, so the topmost one is
    SES's; a sender who writes an X-SES-Virus-Verdict or an Authentication-Results of
    their own only adds one further down, which is never read. This holds because the
    receipt rule has scanning on (infra/stack.py: `scan_enabled=True`): SES then always
    writes both verdicts and its Authentication-Results."""
    try:
        values = headers.get_all(name) or []
    except Exception:  # a header line the parser could not split: nothing to trust
        return ""
    if not values:
        return ""
    return re.sub(r"\r?\n[ \t]+", " ", str(values[0]))[:_MAX_HEADER].strip()


def _ses_verdict(value: str) -> str:
    verdict = value.strip().upper()
    return verdict if verdict in _SES_VALUES else ""


def _authentication_results(value: str) -> dict[str, list[tuple[str, dict[str, str]]]]:
    """Results by method from SES's Authentication-Results (RFC 8601), e.g. "amazonses.com;
    spf=pass (…) client-ip=…; dkim=pass header.i=@example.org; dmarc=pass
    header.from=example.org;". Empty unless SES wrote it (its authserv-id first)."""
    items = _COMMENT.sub(" ", value).split(";")
    if not items or items[0].strip().lower() != SES_AUTHSERV_ID:
        return {}
    results: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for item in items[1:]:
        match = _RESULT.match(item.strip())
        if match is None:
            continue
        method, result, rest = match.group(1).lower(), match.group(2).lower(), match.group(3)
        properties = {key.lower(): found for key, found in _PROPERTY.findall(rest)}
        results.setdefault(method, []).append((result, properties))
    return results


def _domain(value: str) -> str:
    """The domain of "@example.org", "user@example.org" or "example.org"."""
    return value.strip().strip("<>\"'").rpartition("@")[2].rstrip(".").lower()


def _aligned(signer: str, domain: str) -> bool:
    # A signer without a dot ("com") would align with everything: never.
    if "." not in signer:
        return False
    return signer == domain or domain.endswith("." + signer) or signer.endswith("." + domain)
