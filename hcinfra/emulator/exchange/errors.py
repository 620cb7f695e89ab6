"""Errors in the shapes Exchange Online's admin API (InvokeCommand) answers with.

A failed cmdlet comes back as an OData error whose `details[0].message` carries
`<string id>|<exception class>|<text>`. Ids and classes marked "seen" below come from
responses quoted in public bug reports; the others are our best guess (see docs/emulator.md).
"""

from __future__ import annotations

from typing import Any

from hcinfra.emulator.core.http import Resp
from hcinfra.emulator.core.service import ServiceError

# The domain controller Exchange names in its "couldn't be found on" messages.
SERVER = "YT4PR01A012DC004.CANPR01A012.PROD.OUTLOOK.COM"
ODATA_EXCEPTION = "Microsoft.Exchange.Admin.OData.Core.ODataServiceException"
EXCHANGE_APP_ID = "00000002-0000-0ff1-ce00-000000000000"
WWW_AUTHENTICATE = (
    f'Bearer client_id="{EXCHANGE_APP_ID}", '
    'trusted_issuers="00000001-0000-0000-c000-000000000000@*", '
    'token_types="app_asserted_user_v1 service_asserted_app_v1", '
    'authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", '
    'error="invalid_token"'
)

NOT_FOUND = ("Ex6F9304", "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException")
AMBIGUOUS = ("", "Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException")
OBJECT_MODEL = "Microsoft.Exchange.Configuration.ObjectModel"
PROXY_EXISTS = ("Ex1472D1", f"{OBJECT_MODEL}.ProxyAddressExistsException")
NAME_EXISTS = ("", "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException")
VALUE_EXISTS = ("", "Microsoft.Exchange.Configuration.Tasks.PropertyValueExistsException")
NOT_ACCEPTED = ("ExD48BF8", f"{OBJECT_MODEL}.NotAcceptedDomainException")
BINDING = ("", "System.Management.Automation.ParameterBindingException")
TRANSFORM = ("", "System.Management.Automation.ParameterBindingArgumentTransformationException")
VALIDATION = ("", "Microsoft.Exchange.Data.DataValidationException")
INVALID_OPERATION = ("", "Microsoft.Exchange.Configuration.Tasks.TaskInvalidOperationException")


class CmdletError(ServiceError):
    """A cmdlet that ran and failed: Exchange's `Error executing cmdlet` body."""

    def __init__(self, status: int, exception: tuple[str, str], text: str) -> None:
        code = "NotFound" if status == 404 else "BadRequest"
        super().__init__(status, code, text)
        self.string_id, self.exception_class = exception

    def body(self) -> dict[str, Any]:
        """The JSON body Exchange sends."""
        return {
            "error": {
                "code": self.code,
                "message": "Error executing cmdlet",
                "details": [
                    {
                        "code": "Client",
                        "target": "",
                        "message": f"{self.string_id}|{self.exception_class}|{self.message}",
                    }
                ],
                "innererror": {"message": "Error executing cmdlet", "type": ODATA_EXCEPTION},
            }
        }


class EmptyForbidden(ServiceError):
    """403 with no body: a cmdlet that is unknown, or outside the caller's RBAC roles."""

    def __init__(self) -> None:
        super().__init__(403, "Forbidden", "")


class MissingManageAsApp(ServiceError):
    """401 for an app token without the Exchange.ManageAsApp role."""

    def __init__(self) -> None:
        super().__init__(
            401,
            "Unauthorized",
            "The token contains no permissions, or permissions can not be understood.",
            {
                "WWW-Authenticate": WWW_AUTHENTICATE,
                "x-ms-diagnostics": (
                    '2000008;reason="The token contains no permissions, or permissions can '
                    'not be understood.";error_category="invalid_grant"'
                ),
            },
        )


def render(err: ServiceError, variant: Any = None) -> Resp:
    """The response for any error of this service, in the seed's Exchange variant."""
    if isinstance(err, EmptyForbidden):
        return Resp(403, None, dict(err.headers))
    if isinstance(err, CmdletError):
        status = err.status
        if status == 404 and variant is not None and variant.not_found_status == 400:
            status, err.code = 400, "BadRequest"
        body = err.body()
        if variant is not None and not variant.error_details:
            # Some failures carry no details, only the exception inside innererror.
            error = body["error"]
            error.pop("details")
            error["innererror"]["internalException"] = {
                "message": err.message,
                "type": err.exception_class,
            }
        return Resp(status, body, dict(err.headers))
    body = {
        "error": {
            "code": err.code,
            "message": err.message,
            "innererror": {"message": err.message, "type": ODATA_EXCEPTION},
        }
    }
    return Resp(err.status, body, dict(err.headers))


def not_found(identity: str) -> CmdletError:
    """ManagementObjectNotFoundException for an identity nothing matches."""
    return CmdletError(
        404,
        NOT_FOUND,
        f"The operation couldn't be performed because object '{identity}' couldn't be found "
        f"on '{SERVER}'.",
    )


def ambiguous(identity: str) -> CmdletError:
    """ManagementObjectAmbiguousException for an identity several objects match."""
    return CmdletError(
        400,
        AMBIGUOUS,
        f"The operation couldn't be performed because '{identity}' matches multiple entries.",
    )


def proxy_exists(address: str, owner: str) -> CmdletError:
    """ProxyAddressExistsException: the address belongs to another recipient."""
    return CmdletError(
        400,
        PROXY_EXISTS,
        f'The proxy address "{address}" is already being used by the proxy addresses or '
        f'LegacyExchangeDN of "{owner}". Please choose another proxy address.',
    )


def name_exists(name: str) -> CmdletError:
    """ADObjectAlreadyExistsException: another recipient has that Name."""
    return CmdletError(
        400, NAME_EXISTS, f'The name "{name}" is already being used. Please try another name.'
    )


def value_exists(prop: str, value: str) -> CmdletError:
    """PropertyValueExistsException: a unique property (UserPrincipalName) is taken."""
    return CmdletError(
        400,
        VALUE_EXISTS,
        f'The value "{value}" of property "{prop}" is used by another recipient object. '
        "Please specify a unique value.",
    )


def not_accepted_domain(domain: str) -> CmdletError:
    """NotAcceptedDomainException: an address outside the tenant's accepted domains."""
    return CmdletError(
        400,
        NOT_ACCEPTED,
        f"The domain \"{domain}\" isn't an accepted domain for your organization, so it can't "
        "be used in an email address.",
    )


def unknown_parameter(name: str) -> CmdletError:
    """ParameterBindingException for a parameter the cmdlet does not have."""
    return CmdletError(
        400, BINDING, f"A parameter cannot be found that matches parameter name '{name}'."
    )


def missing_parameters(names: list[str]) -> CmdletError:
    """ParameterBindingException for mandatory parameters left out."""
    return CmdletError(
        400,
        BINDING,
        "Cannot process command because of one or more missing mandatory parameters: "
        f"{' '.join(names)}.",
    )


def cannot_convert(param: str, value: Any, type_name: str, reason: str) -> CmdletError:
    """ParameterBindingArgumentTransformationException for a value of the wrong type."""
    return CmdletError(
        400,
        TRANSFORM,
        f"Cannot process argument transformation on parameter '{param}'. Cannot convert "
        f'value "{value}" to type "{type_name}". Error: "{reason}"',
    )


def invalid_alias(alias: str) -> CmdletError:
    """DataValidationException for an alias with characters Exchange refuses."""
    return CmdletError(
        400,
        VALIDATION,
        f'Property expression "{alias}" isn\'t valid. Valid values are: Strings formed with '
        "characters from A to Z (uppercase or lowercase), digits from 0 to 9, !, #, $, %, &, "
        "', *, +, -, /, =, ?, ^, _, `, {, |, } or ~. One or more periods may be embedded in an "
        "alias, but each period should be preceded and followed by at least one of the other "
        "characters.",
    )


def invalid_operation(text: str) -> CmdletError:
    """TaskInvalidOperationException with the given text."""
    return CmdletError(400, INVALID_OPERATION, text)


def not_mail_enabled(name: str) -> CmdletError:
    """Our refusal of a group that is not mail-enabled as a permission principal (unverified)."""
    return CmdletError(
        400,
        INVALID_OPERATION,
        f"The group '{name}' isn't mail-enabled. Mailbox permissions can be granted only to "
        "mail-enabled security groups (New-DistributionGroup -Type Security).",
    )


def not_group_manager() -> CmdletError:
    """A group change by someone not in its ManagedBy, without BypassSecurityGroupManagerCheck."""
    return CmdletError(
        400,
        INVALID_OPERATION,
        "You don't have sufficient permissions. This operation can only be performed by a "
        "manager of the group.",
    )
