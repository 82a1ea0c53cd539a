"""The EHF check of the tests: UBL 2.1 XSD and the PEPPOL BIS 3 / EN 16931 Schematron rules."""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from periodyear_local.schematron import Finding, Validator
from tests.conftest import EHF_DIR


@dataclass(frozen=True)
class EhfCheck:
    schema_errors: list[str]
    findings: list[Finding]

    @property
    def fatal(self) -> list[Finding]:
        return [f for f in self.findings if f.flag == "fatal"]


class EhfValidator:
    """UBL 2.1 XSD (lxml) and the PEPPOL BIS 3 / EN 16931 Schematron rules (converted, run by Saxon-HE).

    The XSD is the one of the document's root element: ``Invoice`` or ``CreditNote``; the rule
    files cover both. Any other root is a schema error."""

    def __init__(self) -> None:
        maindoc = EHF_DIR / "ubl-2.1/xsd/maindoc"
        ubl = "urn:oasis:names:specification:ubl:schema:xsd"
        self._schemas = {
            f"{{{ubl}:{name}-2}}{name}": etree.XMLSchema(etree.parse(str(maindoc / f"UBL-{name}-2.1.xsd")))
            for name in ("Invoice", "CreditNote")
        }
        rules = EHF_DIR / "peppol-bis-3"
        self._rules = Validator(rules / "CEN-EN16931-UBL.sch", rules / "PEPPOL-EN16931-UBL.sch")

    def check(self, document: bytes) -> EhfCheck:
        root = etree.fromstring(document)
        schema = self._schemas.get(root.tag)
        if schema is None:
            return EhfCheck([f"not a UBL Invoice or CreditNote: {root.tag}"], self._rules.findings(document))
        errors = [] if schema.validate(root) else [str(schema.error_log)]
        return EhfCheck(errors, self._rules.findings(document))
