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
from simulator.chargepoint.model import ChargePoint
from simulator.config import SECURITY_PROFILE_NAMES, HarnessConfig
from simulator.operator.base import OperatorRequest
from simulator.operator.context import wire_context
from simulator.runner.context import CaseContext
from simulator.runner.outcome import Outcome
from simulator.runner.settings import RunSettings

# The operator action that sets the profile the CSMS runs for a charge point. Not an OCPP
# request: the CSMS sends nothing, it only changes what it accepts on the next connection.
SET_SECURITY_PROFILE = "SetSecurityProfile"


def profile_for(
    wanted: tuple[int, ...], current: int, supported: tuple[int, ...], *, raises: bool = False
) -> int | None:
    """The profile a case written for ``wanted`` runs in: the current one when it may,
    else the first one the CSMS supports that the case is written for; None: none. A case
    that ``raises`` the profile (TC_083) needs the one after it supported too."""

    def fits(profile: int) -> bool:
        return (not wanted or profile in wanted) and (not raises or profile + 1 in supported)

    if fits(current):
        return current
    return next((profile for profile in supported if fits(profile)), None)


def variables_for(profile: int) -> dict[str, str]:
    """The profile the case runs in and the one after it, as SecurityProfile values."""
    return {"security_profile": str(profile), "raised_security_profile": str(profile + 1)}


def not_applicable_reason(
    wanted: tuple[int, ...], supported: tuple[int, ...], *, raises: bool = False
) -> str:
    named = " or ".join(str(n) for n in wanted)
    if raises:
        named += ", and the CSMS to support the profile after it"
    return (
        f"the case needs security profile {named}; the PICS declares the CSMS supports "
        f"{', '.join(str(n) for n in supported)} (security.profile, security.profiles)"
    )


def request_for(config: HarnessConfig, profile: int, model: ChargePoint) -> OperatorRequest:
    """The operator request that sets the charge point to ``profile`` on the CSMS."""
    charge_point = config.charge_point.id
    return OperatorRequest(
        charge_point_id=charge_point,
        action=SET_SECURITY_PROFILE,
        fields={"securityProfile": profile},
        instruction=(
            f"Set charge point {charge_point} to security profile {profile} "
            f"({SECURITY_PROFILE_NAMES[profile]}) in the CSMS; it reconnects in that profile."
        ),
        timeout=config.waits.operator,
        context=wire_context(model),
    )


async def switch_to(context: CaseContext, profile: int, outcome: Outcome) -> bool:
    """Ask the operator to set the charge point to ``profile`` on the CSMS; on success
    the charge point's SecurityProfile follows. False, with the reason on ``outcome``
    (INCONCLUSIVE: nothing was decided about the CSMS), when it could not be done."""
    request = request_for(context.config, profile, context.model)
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


async def restore(settings: RunSettings, current: int | None) -> str | None:
    """At the end of a run, set the charge point back to the profile the PICS says it
    starts in, so that the next run finds the CSMS as this one did. None when there was
    nothing to do or it was done, else why not (the front end warns)."""
    start = settings.config.security.profile
    if current is None or current == start:
        return None
    operator = settings.operator
    # Between cases the charge point holds nothing a case left (catalog §2).
    idle = ChargePoint(settings.config.charge_point, settings.clock)
    answer = await operator.perform(request_for(settings.config, start, idle))
    if answer.ok and answer.confirmed:
        return None
    return (
        f"the charge point ended the run in security profile {current}; the {operator.name} "
        f"operator could not set it back to {start} (security.profile): {answer.detail}"
    )
