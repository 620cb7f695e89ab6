"""The settings of each Teams policy type hcinfra manages, typed as the cmdlets name them.

REF: https://learn.microsoft.com/powershell/module/microsoftteams/set-csteamsmessagingpolicy
(and Set-CsTeamsAppSetupPolicy, Set-CsTeamsMeetingPolicy, Set-CsTeamsCallingPolicy,
Set-CsTeamsMeetingBroadcastPolicy, Set-CsTeamsChannelsPolicy,
Set-CsTeamsVirtualAppointmentsPolicy). Each model holds the
settings hcinfra manages; None leaves a setting unmanaged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, StrictBool, ValidationError, field_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from hcinfra.resources import teams_apps
from hcinfra.resources.base import Inputs

# Lists of apps in app setup policies; pinned ones carry an Order as well as an Id.
APP_LISTS = ("AppPresetList", "AppPresetMeetingList")
PINNED_LISTS = ("PinnedAppBarApps", "PinnedMessageBarApps", "PinnedCallingBarApps")


class PolicySettings(Inputs):
    """Settings every managed policy type has; None leaves a setting unmanaged."""

    Description: str | None = Field(None, max_length=1024)

    def body(self, looked_up: dict[str, str] | None = None) -> dict[str, Any]:
        """The declared settings as the service takes them."""
        return self.model_dump(mode="json", exclude_none=True)

    def apps(self) -> list[str]:
        """Every app the settings name (none for most policy types)."""
        return []


class MessagingPolicySettings(PolicySettings):
    """TeamsMessagingPolicy settings (Set-CsTeamsMessagingPolicy names and values)."""

    AllowPriorityMessages: StrictBool | None = None
    ReadReceiptsEnabledType: Literal["UserPreference", "Everyone", "None"] | None = None
    AllowUserChat: StrictBool | None = None
    AllowUserEditMessage: StrictBool | None = None
    AllowUserDeleteMessage: StrictBool | None = None
    AllowUserDeleteChat: StrictBool | None = None
    AllowOwnerDeleteMessage: StrictBool | None = None
    AllowRemoveUser: StrictBool | None = None
    AllowGiphy: StrictBool | None = None
    GiphyRatingType: Literal["Strict", "Moderate", "NoRestriction"] | None = None
    AllowMemes: StrictBool | None = None
    AllowStickers: StrictBool | None = None
    AllowUrlPreviews: StrictBool | None = None
    AllowImmersiveReader: StrictBool | None = None
    AllowUserTranslation: StrictBool | None = None
    AllowVideoMessages: StrictBool | None = None
    AudioMessageEnabledType: Literal["ChatsAndChannels", "ChatsOnly", "Disabled"] | None = None
    AllowChatWithGroup: StrictBool | None = None


class AppSetupPolicySettings(PolicySettings):
    """TeamsAppSetupPolicy settings; apps by catalogue name (teams_apps) or app id."""

    PinnedAppBarApps: list[str] | None = None
    AppPresetList: list[str] | None = None
    AllowUserPinning: StrictBool | None = None
    AllowSideLoading: StrictBool | None = None

    @field_validator("PinnedAppBarApps", "AppPresetList")
    @classmethod
    def _apps(cls, refs: list[str] | None) -> list[str] | None:
        if refs is None:
            return None
        names, problems = [], []
        for ref in refs:
            try:
                names.append(teams_apps.canonical(ref))
            except teams_apps.UnknownApp as err:
                problems.append(str(err))
        if problems:
            raise ValueError("; ".join(problems))
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"each app may appear once; repeated: {', '.join(repeated)}")
        return names

    def body(self, looked_up: dict[str, str] | None = None) -> dict[str, Any]:
        """Apps become {Id} objects; pinned ones {Id, Order} in the declared order."""
        out = super().body()
        if self.PinnedAppBarApps is not None:
            out["PinnedAppBarApps"] = [
                {"Id": teams_apps.app_id(n, looked_up), "Order": i}
                for i, n in enumerate(self.PinnedAppBarApps, start=1)
            ]
        if self.AppPresetList is not None:
            out["AppPresetList"] = [
                {"Id": teams_apps.app_id(n, looked_up)} for n in self.AppPresetList
            ]
        return out

    def apps(self) -> list[str]:
        """Every app the settings name."""
        return [*(self.PinnedAppBarApps or []), *(self.AppPresetList or [])]


class MeetingPolicySettings(PolicySettings):
    """TeamsMeetingPolicy settings (Set-CsTeamsMeetingPolicy names and values)."""

    AllowMeetNow: StrictBool | None = None
    AllowPrivateMeetNow: StrictBool | None = None
    AllowPrivateMeetingScheduling: StrictBool | None = None
    AllowChannelMeetingScheduling: StrictBool | None = None
    AllowOutlookAddIn: StrictBool | None = None
    MeetingChatEnabledType: Literal["Enabled", "Disabled", "EnabledExceptAnonymous"] | None = None
    AllowCloudRecording: StrictBool | None = None
    AllowRecordingStorageOutsideRegion: StrictBool | None = None
    AllowTranscription: StrictBool | None = None
    AutoAdmittedUsers: (
        Literal[
            "EveryoneInCompany",
            "EveryoneInSameAndFederatedCompany",
            "Everyone",
            "OrganizerOnly",
            "EveryoneInCompanyExcludingGuests",
            "InvitedUsers",
        ]
        | None
    ) = None
    AllowPSTNUsersToBypassLobby: StrictBool | None = None
    AllowAnonymousUsersToJoinMeeting: StrictBool | None = None
    ScreenSharingMode: Literal["EntireScreen", "SingleApplication", "Disabled"] | None = None
    AllowPowerPointSharing: StrictBool | None = None
    AllowWhiteboard: StrictBool | None = None
    AllowSharedNotes: StrictBool | None = None
    AllowParticipantGiveRequestControl: StrictBool | None = None
    AllowBreakoutRooms: StrictBool | None = None


class CallingPolicySettings(PolicySettings):
    """TeamsCallingPolicy settings (Set-CsTeamsCallingPolicy names and values)."""

    AllowPrivateCalling: StrictBool | None = None
    AllowWebPSTNCalling: StrictBool | None = None
    AllowVoicemail: Literal["AlwaysEnabled", "AlwaysDisabled", "UserOverride"] | None = None
    AllowCallGroups: StrictBool | None = None
    AllowDelegation: StrictBool | None = None
    AllowCallForwardingToUser: StrictBool | None = None
    AllowCallForwardingToPhone: StrictBool | None = None
    BusyOnBusyEnabledType: Literal["Enabled", "Disabled", "Unanswered", "UserOverride"] | None = (
        None
    )


class MeetingBroadcastPolicySettings(PolicySettings):
    """TeamsMeetingBroadcastPolicy (live events) settings (Set-CsTeamsMeetingBroadcastPolicy)."""

    AllowBroadcastScheduling: StrictBool | None = None
    AllowBroadcastTranscription: StrictBool | None = None


class BareSettings(Inputs):
    """Settings of a type whose cmdlets take no Description."""

    def body(self, looked_up: dict[str, str] | None = None) -> dict[str, Any]:
        """The declared settings as the service takes them."""
        return self.model_dump(mode="json", exclude_none=True)

    def apps(self) -> list[str]:
        """No apps in these types."""
        return []


class ChannelsPolicySettings(BareSettings):
    """TeamsChannelsPolicy settings (Set-CsTeamsChannelsPolicy; the type has no Description)."""

    AllowOrgWideTeamCreation: StrictBool | None = None
    EnablePrivateTeamDiscovery: StrictBool | None = None
    AllowPrivateChannelCreation: StrictBool | None = None
    AllowSharedChannelCreation: StrictBool | None = None
    AllowChannelSharingToExternalUser: StrictBool | None = None
    AllowUserToParticipateInExternalSharedChannel: StrictBool | None = None


class VirtualAppointmentsPolicySettings(BareSettings):
    """TeamsVirtualAppointmentsPolicy settings (Set-CsTeamsVirtualAppointmentsPolicy).

    EnableSmsNotifications: whether users may send SMS notifications to external guests
    of meetings booked with the virtual appointment template (the service's default: on).
    """

    EnableSmsNotifications: StrictBool | None = None


# Every concrete model: pydantic serialises a field by its declared type, so the union
# must name each one (a base class would serialise as just its own fields).
AnySettings = (
    MessagingPolicySettings
    | AppSetupPolicySettings
    | MeetingPolicySettings
    | CallingPolicySettings
    | MeetingBroadcastPolicySettings
    | ChannelsPolicySettings
    | VirtualAppointmentsPolicySettings
)
SETTINGS: dict[str, type[PolicySettings | BareSettings]] = {
    "TeamsMessagingPolicy": MessagingPolicySettings,
    "TeamsAppSetupPolicy": AppSetupPolicySettings,
    "TeamsMeetingPolicy": MeetingPolicySettings,
    "TeamsCallingPolicy": CallingPolicySettings,
    "TeamsMeetingBroadcastPolicy": MeetingBroadcastPolicySettings,
    "TeamsChannelsPolicy": ChannelsPolicySettings,
    "TeamsVirtualAppointmentsPolicy": VirtualAppointmentsPolicySettings,
}
# The policy types TeamsPolicy manages: those Microsoft's healthcare packages hold, the
# Teams (channels) policy, and the virtual appointments policy (SMS for virtual visits).
PolicyType = Literal[
    "TeamsMessagingPolicy",
    "TeamsAppSetupPolicy",
    "TeamsMeetingPolicy",
    "TeamsCallingPolicy",
    "TeamsMeetingBroadcastPolicy",
    "TeamsChannelsPolicy",
    "TeamsVirtualAppointmentsPolicy",
]


def validate_settings(policy_type: str, raw: Any) -> PolicySettings | BareSettings:
    """The settings checked against the type's model; every problem named by its setting."""
    model = SETTINGS[policy_type]
    if not isinstance(raw, Mapping):
        raise ValueError("settings must be a mapping of setting name to value")
    known = model.model_fields
    errors: list[InitErrorDetails] = [
        InitErrorDetails(
            type=PydanticCustomError(
                "unknown_setting", "{msg}", {"msg": _unknown(policy_type, str(key), list(known))}
            ),
            loc=(str(key),),
            input=value,
        )
        for key, value in raw.items()
        if key not in known
    ]
    settings: PolicySettings | BareSettings | None = None
    try:
        settings = model.model_validate({k: v for k, v in raw.items() if k in known})
    except ValidationError as err:
        errors += [
            InitErrorDetails(
                type=PydanticCustomError(e["type"], "{msg}", {"msg": e["msg"]}),
                loc=e["loc"],
                input=e["input"],
            )
            for e in err.errors()
        ]
    if errors or settings is None:
        raise ValidationError.from_exception_data("settings", errors)
    return settings


def _unknown(policy_type: str, key: str, known: list[str]) -> str:
    close = [k for k in known if k.lower() == key.lower()]
    hint = f" (did you mean {close[0]}?)" if close else f"; its settings: {', '.join(known)}"
    return f"'{key}' is not a setting of {policy_type} managed by hcinfra{hint}"


def service_settings(
    doc: Mapping[str, Any], looked_up: dict[str, str] | None = None
) -> dict[str, Any]:
    """Every setting of an instance as read, with app ids shown by catalogue name."""
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if key == "Identity":
            continue
        if key in PINNED_LISTS and isinstance(value, list):
            ordered = sorted(value, key=lambda a: a.get("Order", 0))
            out[key] = [teams_apps.app_name(str(a.get("Id")), looked_up) for a in ordered]
        elif key in APP_LISTS and isinstance(value, list):
            out[key] = [teams_apps.app_name(str(a.get("Id")), looked_up) for a in value]
        else:
            out[key] = value
    return out
