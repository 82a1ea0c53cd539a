"""SES's answers as delivery reads them: refused for good, sent nothing, or maybe taken."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from periodyear.adapters.delivery_out import SesInvoiceMailer
from periodyear.domain.sending import MailNotTaken, MailRefused


class _Ses:
    def __init__(self, code: str) -> None:
        self.code = code

    def send_email(self, **_: Any) -> Any:
        message = "Email address is not verified: kari@firma.example"  # SES's text can name one
        raise ClientError({"Error": {"Code": self.code, "Message": message}}, "SendEmail")


def mailer(code: str) -> SesInvoiceMailer:
    return SesInvoiceMailer(_Ses(code), sender="faktura@example.no", configuration_set="set")  # type: ignore[arg-type]


def test_a_refusal_for_good_is_kept_by_its_code_and_names_no_address() -> None:
    with pytest.raises(MailRefused) as refused:
        mailer("MessageRejected").send(b"raw", recipient="kari@firma.example", tags={})
    assert str(refused.value) == "SES refused the e-mail: MessageRejected"


@pytest.mark.parametrize("code", ["TooManyRequestsException", "SendingPausedException", "Throttling"])
def test_an_answer_that_sent_nothing_may_be_tried_again_at_once(code: str) -> None:
    with pytest.raises(MailNotTaken):
        mailer(code).send(b"raw", recipient="kari@firma.example", tags={})


def test_a_failure_that_may_have_sent_is_passed_on_as_it_is() -> None:
    with pytest.raises(ClientError):
        mailer("InternalFailure").send(b"raw", recipient="kari@firma.example", tags={})
