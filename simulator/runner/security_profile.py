"""Which security profile a case runs in, and getting the charge point there.

A CSMS supports some of the three profiles (PICS ``security.profiles``) and runs one of
them for the charge point at a time (whitepaper §2). A case names the profiles it is
written for (catalog §11: "CSMS supports security profile 2 and/or 3"). The lab
configures the CSMS for a profile between test sessions; the harness does the same
between cases: it asks the operator to set the charge point to the profile
(``SetSecurityProfile``, docs/operator-contract.md) and, as the installer does on the
hardware, sets the charge point's own SecurityProfile to match.
"""

from __future__ import annotations

from reports.results import Verdict
from simulator.operator.base import OperatorRequest
from simulator.runner.context import CaseContext
from simulator.runner.outcome import Outcome

# The operator action that sets the profile the CSMS runs for a charge point. Not an OCPP
# request: the CSMS sends nothing, it only changes what it accepts on the next connection.
SET_SECURITY_PROFILE = "SetSecurityProfile"

DESCRIPTIONS = {
    0: "no security",
    1: "HTTP Basic authentication over ws://",
    2: "TLS with HTTP Basic authentication",
    3: "TLS with a client certificate",
}


def profile_for(wanted: tuple[int, ...], current: int, supported: tuple[int, ...]) -> int | None:
    """The profile a case written for ``wanted`` runs in: the current one when it may,
    else the first one the CSMS supports that the case is written for; None: none."""
    if not wanted or current in wanted:
        return current
    return next((profile for profile in supported if profile in wanted), None)


def not_applicable_reason(wanted: tuple[int, ...], supported: tuple[int, ...]) -> str:
    named = " or ".join(str(n) for n in wanted)
    return (
        f"the case needs security profile {named}; the PICS declares the CSMS supports "
        f"{', '.join(str(n) for n in supported)} (security.profile, security.profiles)"
    )


async def switch_to(context: CaseContext, profile: int, outcome: Outcome) -> bool:
    """Ask the operator to set the charge point to ``profile`` on the CSMS; on success
    the charge point's SecurityProfile follows. False, with the reason on ``outcome``
    (INCONCLUSIVE: nothing was decided about the CSMS), when it could not be done."""
    charge_point = context.config.charge_point.id
    request = OperatorRequest(
        charge_point_id=charge_point,
        action=SET_SECURITY_PROFILE,
        fields={"securityProfile": profile},
        instruction=(
            f"Set charge point {charge_point} to security profile {profile} "
            f"({DESCRIPTIONS[profile]}) in the CSMS; it reconnects in that profile."
        ),
        timeout=context.config.waits.operator,
    )
    operator = context.settings.operator
    outcome.operator = {
        "adapter": operator.name,
        "action": SET_SECURITY_PROFILE,
        "request": request.fields,
        "instruction": request.instruction,
    }
    answer = await operator.perform(request)
    if not answer.ok:
        outcome.reason(
            Verdict.INCONCLUSIVE,
            "operator",
            f"the {operator.name} operator could not set security profile {profile}: "
            f"{answer.detail}",
        )
        return False
    if not answer.confirmed:
        outcome.reason(
            Verdict.INCONCLUSIVE,
            "operator",
            f"the {operator.name} operator cannot confirm that the CSMS now runs security "
            f"profile {profile}; run the profile {profile} cases with security.profile {profile}",
        )
        return False
    context.model.configuration["SecurityProfile"].value = str(profile)
    outcome.note(f"{operator.name} operator set security profile {profile}: {answer.detail}")
    return True
