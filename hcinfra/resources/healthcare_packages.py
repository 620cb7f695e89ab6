"""Microsoft's healthcare Teams policy packages, as policies hcinfra declares itself.

REF: https://learn.microsoft.com/microsoftteams/policy-packages-healthcare
The page says what each package is for (clinical workers: full chat, calling, shift
management and meetings; information workers: full chat, calling and meetings; patient
rooms: the rooms' devices), that packages pre-define messaging, meeting, calling, app
setup and live events policies, and that each policy is named after its package
(Healthcare_ClinicalWorker…) and created when the package is first assigned.

Applying a package is a *PolicyPackage* cmdlet, which Microsoft documents as unsupported
with application-based authentication
(https://learn.microsoft.com/microsoftteams/teams-powershell-application-authentication),
and hcinfra runs app-only. So the tenant baseline declares each package's policies as
TeamsPolicy instances under the package's own name, and PolicyPackageAssignment assigns
them per policy type with group policy assignments: the outcome of
Grant-CsGroupPolicyPackageAssignment, app-only. Microsoft shows the individual settings
only in the admin centre; the values below follow each package's stated purpose and
Microsoft's healthcare guidance (read receipts for everyone and priority notifications
for clinicians; patient-room accounts locked down to a Calendar-only device).
"""

from __future__ import annotations

from typing import Any

CLINICAL = "Healthcare_ClinicalWorker"
INFORMATION = "Healthcare_InformationWorker"
PATIENT_ROOM = "Healthcare_PatientRoom"
# The policy types the page lists: messaging, meetings, calling, app setup, live events.
POLICY_TYPES = (
    "TeamsAppSetupPolicy",
    "TeamsCallingPolicy",
    "TeamsMeetingBroadcastPolicy",
    "TeamsMeetingPolicy",
    "TeamsMessagingPolicy",
)
_DESCRIBED = {
    "TeamsMessagingPolicy": "Messaging",
    "TeamsAppSetupPolicy": "App setup",
    "TeamsCallingPolicy": "Calling",
    "TeamsMeetingPolicy": "Meeting",
    "TeamsMeetingBroadcastPolicy": "Live events",
}
_CLINICAL_APPS = ["Activity", "Chat", "Teams", "Calendar", "Calling", "Shifts", "Files"]
_CLINICAL_APPS += ["Approvals"]
_INFORMATION_APPS = ["Activity", "Chat", "Teams", "Calendar", "Calling", "Files"]

_SETTINGS: dict[str, dict[str, dict[str, Any]]] = {
    CLINICAL: {
        "TeamsMessagingPolicy": {
            "AllowPriorityMessages": True,
            "ReadReceiptsEnabledType": "Everyone",
            "AllowUserChat": True,
            "AllowUserEditMessage": True,
            "AllowUserDeleteMessage": True,
            "AllowOwnerDeleteMessage": False,
            "AllowGiphy": False,
            "AllowMemes": False,
            "AllowStickers": False,
            "AllowUrlPreviews": True,
            "AllowImmersiveReader": True,
            "AllowVideoMessages": True,
            "AudioMessageEnabledType": "ChatsAndChannels",
        },
        "TeamsAppSetupPolicy": {
            "AppPresetList": _CLINICAL_APPS,
            "PinnedAppBarApps": _CLINICAL_APPS,
            "AllowUserPinning": True,
            "AllowSideLoading": False,
        },
        "TeamsCallingPolicy": {
            "AllowPrivateCalling": True,
            "AllowVoicemail": "UserOverride",
            "AllowCallGroups": True,
            "AllowDelegation": True,
            "AllowCallForwardingToUser": True,
            "AllowCallForwardingToPhone": True,
            "BusyOnBusyEnabledType": "Disabled",
        },
        "TeamsMeetingPolicy": {
            "AllowMeetNow": True,
            "AllowPrivateMeetingScheduling": True,
            "AllowCloudRecording": True,
            "AllowTranscription": True,
            "AutoAdmittedUsers": "EveryoneInCompany",
            "AllowAnonymousUsersToJoinMeeting": True,
            "MeetingChatEnabledType": "Enabled",
        },
        "TeamsMeetingBroadcastPolicy": {
            "AllowBroadcastScheduling": False,
            "AllowBroadcastTranscription": False,
        },
    },
    INFORMATION: {
        "TeamsMessagingPolicy": {
            "AllowPriorityMessages": True,
            "ReadReceiptsEnabledType": "UserPreference",
            "AllowUserChat": True,
            "AllowUserEditMessage": True,
            "AllowUserDeleteMessage": True,
            "AllowOwnerDeleteMessage": False,
            "AllowGiphy": True,
            "GiphyRatingType": "Moderate",
            "AllowUrlPreviews": True,
            "AllowImmersiveReader": True,
            "AllowVideoMessages": True,
        },
        "TeamsAppSetupPolicy": {
            "AppPresetList": _INFORMATION_APPS,
            "PinnedAppBarApps": _INFORMATION_APPS,
            "AllowUserPinning": True,
            "AllowSideLoading": False,
        },
        "TeamsCallingPolicy": {
            "AllowPrivateCalling": True,
            "AllowVoicemail": "UserOverride",
            "AllowCallGroups": True,
            "AllowDelegation": True,
        },
        "TeamsMeetingPolicy": {
            "AllowMeetNow": True,
            "AllowCloudRecording": True,
            "AllowTranscription": True,
            "AutoAdmittedUsers": "EveryoneInCompany",
        },
        "TeamsMeetingBroadcastPolicy": {
            "AllowBroadcastScheduling": True,
            "AllowBroadcastTranscription": True,
        },
    },
    PATIENT_ROOM: {
        "TeamsMessagingPolicy": {
            "AllowUserChat": False,
            "AllowPriorityMessages": False,
            "ReadReceiptsEnabledType": "None",
            "AllowUserEditMessage": False,
            "AllowUserDeleteMessage": False,
            "AllowUserDeleteChat": False,
            "AllowOwnerDeleteMessage": False,
            "AllowRemoveUser": False,
            "AllowGiphy": False,
            "GiphyRatingType": "Strict",
            "AllowMemes": False,
            "AllowStickers": False,
            "AllowUrlPreviews": False,
            "AllowVideoMessages": False,
            "AudioMessageEnabledType": "Disabled",
            "AllowChatWithGroup": False,
        },
        "TeamsAppSetupPolicy": {
            "AppPresetList": ["Calendar"],
            "PinnedAppBarApps": ["Calendar"],
            "AllowUserPinning": False,
            "AllowSideLoading": False,
        },
        "TeamsCallingPolicy": {
            "AllowPrivateCalling": False,
            "AllowWebPSTNCalling": False,
            "AllowVoicemail": "AlwaysDisabled",
            "AllowCallGroups": False,
            "AllowDelegation": False,
            "AllowCallForwardingToUser": False,
            "AllowCallForwardingToPhone": False,
        },
        "TeamsMeetingPolicy": {
            "AllowMeetNow": False,
            "AllowPrivateMeetNow": False,
            "AllowPrivateMeetingScheduling": False,
            "AllowChannelMeetingScheduling": False,
            "AllowOutlookAddIn": False,
            "MeetingChatEnabledType": "Disabled",
            "AllowCloudRecording": False,
            "AllowTranscription": False,
            "ScreenSharingMode": "Disabled",
            "AllowPowerPointSharing": False,
            "AllowWhiteboard": False,
            "AllowSharedNotes": False,
            "AllowAnonymousUsersToJoinMeeting": False,
            "AllowParticipantGiveRequestControl": False,
            "AllowBreakoutRooms": False,
        },
        "TeamsMeetingBroadcastPolicy": {
            "AllowBroadcastScheduling": False,
            "AllowBroadcastTranscription": False,
        },
    },
}
PACKAGES = tuple(_SETTINGS)


def policy_names(package: str) -> dict[str, str]:
    """Policy type → the instance name a package's policy has (the package's name)."""
    if package not in _SETTINGS:
        raise KeyError(package)
    return {t: package for t in POLICY_TYPES}


def policy_settings(package: str, policy_type: str) -> dict[str, Any]:
    """The settings hcinfra gives one policy of a package, with its description."""
    settings = {
        k: list(v) if isinstance(v, list) else v for k, v in _SETTINGS[package][policy_type].items()
    }
    return {
        "Description": f"{_DESCRIBED[policy_type]} policy of the {package} policy package.",
        **settings,
    }
