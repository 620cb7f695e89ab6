"""Microsoft's healthcare policy packages, as the emulator seeds them.

Each package holds one policy per type, named after the package. Microsoft documents
the packages' purpose (clinical workers: full chat, calling, shift management and
meetings; information workers: full chat, calling and meetings; patient rooms: devices
in patient rooms) but shows the individual settings only in the admin centre. The
values below follow that purpose and Microsoft's healthcare guidance (read receipts for
everyone and priority notifications for clinicians; patient-room accounts locked down
to a Calendar-only kiosk with chat, calling and meeting features turned off).
"""

from __future__ import annotations

from hcinfra.emulator.teamsadmin.policytypes import (
    ACTIVITY,
    APPROVALS,
    CALENDAR,
    CALLING,
    CHAT,
    FILES,
    SHIFTS,
    TEAMS,
    pinned,
    preset,
)
from hcinfra.emulator.teamsadmin.schemas import Doc

CLINICAL = "Healthcare_ClinicalWorker"
INFORMATION = "Healthcare_InformationWorker"
PATIENT_ROOM = "Healthcare_PatientRoom"


def _describe(package: str, kind: str) -> str:
    return f"{kind} policy of the {package} policy package."


def _clinical() -> dict[str, Doc]:
    apps = (ACTIVITY, CHAT, TEAMS, CALENDAR, CALLING, SHIFTS, FILES, APPROVALS)
    return {
        "TeamsMessagingPolicy": {
            "AllowPriorityMessages": True,
            "ReadReceiptsEnabledType": "Everyone",
            "AllowUserChat": True,
            "AllowUserEditMessage": True,
            "AllowUserDeleteMessage": True,
            "AllowOwnerDeleteMessage": False,
            "AllowGiphy": False,
            "GiphyRatingType": "Strict",
            "AllowMemes": False,
            "AllowStickers": False,
            "AllowUrlPreviews": True,
            "AllowImmersiveReader": True,
            "AllowVideoMessages": True,
            "AudioMessageEnabledType": "ChatsAndChannels",
        },
        "TeamsAppSetupPolicy": {
            "AppPresetList": preset(*apps),
            "PinnedAppBarApps": pinned(*apps),
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
        "TeamsChannelsPolicy": {
            "AllowOrgWideTeamCreation": False,
            "EnablePrivateTeamDiscovery": True,
            "AllowPrivateChannelCreation": True,
        },
    }


def _information() -> dict[str, Doc]:
    apps = (ACTIVITY, CHAT, TEAMS, CALENDAR, CALLING, FILES)
    return {
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
            "AudioMessageEnabledType": "ChatsAndChannels",
        },
        "TeamsAppSetupPolicy": {
            "AppPresetList": preset(*apps),
            "PinnedAppBarApps": pinned(*apps),
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
        "TeamsChannelsPolicy": {
            "AllowOrgWideTeamCreation": False,
            "EnablePrivateTeamDiscovery": True,
        },
    }


def _patient_room() -> dict[str, Doc]:
    return {
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
            "AllowImmersiveReader": True,
            "AllowVideoMessages": False,
            "AudioMessageEnabledType": "Disabled",
            "AllowChatWithGroup": False,
        },
        "TeamsAppSetupPolicy": {
            "AppPresetList": preset(CALENDAR),
            "PinnedAppBarApps": pinned(CALENDAR),
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
        "TeamsChannelsPolicy": {
            "AllowOrgWideTeamCreation": False,
            "EnablePrivateTeamDiscovery": False,
            "AllowPrivateChannelCreation": False,
            "AllowSharedChannelCreation": False,
            "AllowChannelSharingToExternalUser": False,
            "AllowUserToParticipateInExternalSharedChannel": False,
        },
    }


KIND = {
    "TeamsMessagingPolicy": "Messaging",
    "TeamsAppSetupPolicy": "App setup",
    "TeamsCallingPolicy": "Calling",
    "TeamsMeetingPolicy": "Meeting",
    "TeamsMeetingBroadcastPolicy": "Live events",
    "TeamsChannelsPolicy": "Teams",
}


def _with_descriptions(package: str, policies: dict[str, Doc]) -> dict[str, Doc]:
    out: dict[str, Doc] = {}
    for policy_type, settings in policies.items():
        if policy_type == "TeamsChannelsPolicy":
            out[policy_type] = dict(settings)  # this type has no Description
        else:
            out[policy_type] = {"Description": _describe(package, KIND[policy_type]), **settings}
    return out


def healthcare_packages() -> list[Doc]:
    """The seeded packages: name, description, and the settings each policy starts with."""
    return [
        {
            "Name": CLINICAL,
            "Description": (
                "Policies for clinical staff (nurses, charge nurses, physicians, social "
                "workers): chat, calling, shifts and meetings all enabled."
            ),
            "Policies": _with_descriptions(CLINICAL, _clinical()),
        },
        {
            "Name": INFORMATION,
            "Description": (
                "Policies for information workers (IT, informatics, finance, compliance): "
                "chat, calling and meetings all enabled."
            ),
            "Policies": _with_descriptions(INFORMATION, _information()),
        },
        {
            "Name": PATIENT_ROOM,
            "Description": ("Policies for the shared Teams accounts of patient-room devices."),
            "Policies": _with_descriptions(PATIENT_ROOM, _patient_room()),
        },
    ]
