"""The catalog's default pre- and post-conditions between cases (catalog §2).

A case starts with no transaction running and leaves none behind. What teardown could not
stop (the connection was lost) is carried over and delivered at the start of the next
case, as a charge point delivers queued messages after a reconnect.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reports.results import StepRecord, Verdict
from simulator.chargepoint.model import ChargePoint, Transaction
from simulator.errors import HarnessError
from simulator.runner.context import CaseContext
from simulator.runner.link import ConnectionLost, Link, ProtocolBreach
from simulator.runner.outcome import Outcome


@dataclass
class CarryOver:
    """State one case leaves for the next: transactions it could not stop, and the HTTP
    Basic password the CSMS gave the charge point (TC_073: a charge point keeps its
    AuthorizationKey, and the CSMS now checks the new one)."""

    transactions: list[Transaction] = field(default_factory=list)
    basic_auth_password: bytes | None = None
    security_profile: int | None = None  # SecurityProfile, when the run changed it
    client_certificate: tuple[bytes, bytes] | None = None  # one the CSMS signed (TC_074)

    def credentials_from(self, model: ChargePoint) -> None:
        """Keep what the charge point connects with, as hardware keeps it across cases."""
        self.basic_auth_password = model.basic_auth_password
        self.security_profile = model.security_profile
        self.client_certificate = model.client_certificate

    def credentials_to(self, model: ChargePoint) -> None:
        model.basic_auth_password = self.basic_auth_password
        model.client_certificate = self.client_certificate
        if self.security_profile is not None:
            model.configuration["SecurityProfile"].value = str(self.security_profile)


async def stop_transaction(
    context: CaseContext, link: Link, transaction: Transaction, reason: str
) -> bool:
    """StopTransaction, then the connector Available: how the harness ends a transaction
    a case did not end itself. True when the CSMS answered both."""
    model, timeout = context.model, context.config.limits.response_timeout
    model.transactions.setdefault(transaction.transaction_id, transaction)
    fields = {"transactionId": transaction.transaction_id, "reason": reason}
    stop = model.build_request("StopTransaction", fields)
    stopped = await link.call("StopTransaction", stop, timeout)
    model.end_transaction(transaction.transaction_id, stop.get("meterStop"))
    status = {"connectorId": transaction.connector_id, "status": "Available"}
    available = await link.call(
        "StatusNotification", model.build_request("StatusNotification", status), timeout
    )
    return not stopped.timed_out and not available.timed_out


async def restore(context: CaseContext, carry: CarryOver, outcome: Outcome) -> None:
    """Deliver what an earlier case could not (a transaction still running when its
    connection was lost), so this case starts from the default pre-conditions. Failing to
    get there makes the case INCONCLUSIVE, never FAIL: the reason goes on ``outcome``."""
    link = await context.connect(outcome)
    if link is None:
        for reason in outcome.reasons:
            if reason.verdict == Verdict.FAIL:
                reason.verdict = Verdict.INCONCLUSIVE
        return
    try:
        boot = await link.call(
            "BootNotification",
            context.model.build_request("BootNotification", {}),
            context.config.limits.response_timeout,
        )
        leftovers, carry.transactions = carry.transactions, []
        answered = not boot.timed_out
        for transaction in leftovers:
            answered = await stop_transaction(context, link, transaction, "Other") and answered
        if not answered:
            raise _Unreached("the CSMS did not answer within the response timeout")
    except (ConnectionLost, ProtocolBreach, _Unreached) as exc:
        outcome.reason(
            Verdict.INCONCLUSIVE,
            "precondition",
            f"could not reach the default pre-conditions (catalog §2): {exc}",
        )
    finally:
        await link.close()


async def teardown(context: CaseContext) -> list[StepRecord]:
    """Leave the CSMS as the next case expects (catalog §2 post-conditions: no transaction
    running). What happens here is noted on its records, never a verdict."""
    records: list[StepRecord] = []
    link = context.link
    if link is None or link.closed is not None:
        return records
    for transaction in list(context.model.transactions.values()):
        record = StepRecord(
            "teardown", "teardown", "StopTransaction", "Stop the transaction the case left running"
        )
        records.append(record)
        try:
            answered = await stop_transaction(context, link, transaction, "Local")
            record.status = "passed" if answered else "not answered"
        except (ConnectionLost, ProtocolBreach) as exc:
            record.status = "error"
            record.notes.append(str(exc))
            break
    return records


class _Unreached(HarnessError):
    pass
