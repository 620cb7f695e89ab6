"""The policy types the emulator knows, with a subset of their real settings.

Setting names, value sets and defaults follow the MicrosoftTeams cmdlet reference
(Set-CsTeams*Policy) and the Global instances Get-CsTeams*Policy shows on a new tenant.
The six types Microsoft's healthcare policy packages pre-define (meetings, live events,
calling, messaging, teams (channels) and app setup), and virtual appointments (SMS
notifications for visits booked with the virtual appointment template).
"""

from __future__ import annotations

from hcinfra.emulator.teamsadmin.schemas import (
    Doc,
    PolicyType,
    apps,
    boolean,
    enum,
    integer,
    text,
)

# Built-in Teams apps (ids from the app catalogue).
ACTIVITY = "14d6962d-6eeb-4f48-8890-de55454bb136"
CHAT = "86fcd49b-61a2-4701-b771-54728cd291fb"
TEAMS = "2a84919f-59d8-4441-a975-2a8c2643b741"
CALENDAR = "ef56c0de-36fc-4ef8-b417-3d82ba9d073c"
CALLING = "20c3440d-c67e-4420-9f80-0e50c39693df"
FILES = "5af6a76b-40fc-4ba1-af29-8f49b08e44fd"
SHIFTS = "42f6c1da-a241-483a-a3cc-4f5be9185951"
APPROVALS = "7c316234-ded0-4f95-8a83-8453d0876592"


def preset(*ids: str) -> list[Doc]:
    """An AppPresetList."""
    return [{"Id": i} for i in ids]


def pinned(*ids: str) -> list[Doc]:
    """A pinned-app list, ordered as given."""
    return [{"Id": i, "Order": n} for n, i in enumerate(ids, start=1)]


DEFAULT_APPS = (ACTIVITY, CHAT, TEAMS, CALENDAR, CALLING, FILES)

MESSAGING = PolicyType(
    "TeamsMessagingPolicy",
    (
        text("Description", maximum=1024),
        boolean("AllowUrlPreviews", True),
        boolean("AllowOwnerDeleteMessage", False),
        boolean("AllowUserEditMessage", True),
        boolean("AllowUserDeleteMessage", True),
        boolean("AllowUserDeleteChat", True),
        boolean("AllowUserChat", True),
        boolean("AllowRemoveUser", True),
        boolean("AllowGiphy", True),
        enum("GiphyRatingType", "Moderate", "Strict", "Moderate", "NoRestriction"),
        boolean("AllowGiphyDisplay", True),
        boolean("AllowPasteInternetImage", True),
        boolean("AllowMemes", True),
        boolean("AllowImmersiveReader", True),
        boolean("AllowStickers", True),
        boolean("AllowUserTranslation", True),
        enum("ReadReceiptsEnabledType", "UserPreference", "UserPreference", "Everyone", "None"),
        boolean("AllowPriorityMessages", True),
        boolean("AllowSmartReply", True),
        boolean("AllowSmartCompose", True),
        enum(
            "ChannelsInChatListEnabledType",
            "DisabledUserOverride",
            "DisabledUserOverride",
            "EnabledUserOverride",
        ),
        enum(
            "AudioMessageEnabledType",
            "ChatsAndChannels",
            "ChatsAndChannels",
            "ChatsOnly",
            "Disabled",
        ),
        enum("ChatPermissionRole", "Restricted", "Restricted", "Limited", "Full"),
        boolean("AllowFullChatPermissionUserToDeleteAnyMessage", False),
        boolean("AllowFluidCollaborate", False),
        boolean("AllowVideoMessages", True),
        boolean("AllowCommunicationComplianceEndUserReporting", False),
        boolean("AllowChatWithGroup", True),
        boolean("AllowSecurityEndUserReporting", False),
        enum(
            "InOrganizationChatControl", "BlockingAllowed", "BlockingAllowed", "BlockingDisallowed"
        ),
        boolean("AllowGroupChatJoinLinks", True),
        boolean("CreateCustomEmojis", True),
        boolean("DeleteCustomEmojis", False),
        boolean("AllowCustomGroupChatAvatars", True),
        enum("DesignerForBackgroundsAndImages", "Enabled", "Enabled", "Disabled"),
    ),
)

APP_SETUP = PolicyType(
    "TeamsAppSetupPolicy",
    (
        text("Description", maximum=1024),
        apps("AppPresetList", preset(*DEFAULT_APPS)),
        apps("AppPresetMeetingList", []),
        apps("PinnedAppBarApps", pinned(*DEFAULT_APPS), ordered=True),
        apps("PinnedMessageBarApps", [], ordered=True),
        apps("PinnedCallingBarApps", [], ordered=True),
        boolean("AllowUserPinning", True),
        boolean("AllowSideLoading", True),
    ),
)

MEETING = PolicyType(
    "TeamsMeetingPolicy",
    (
        text("Description", maximum=1024),
        boolean("AllowChannelMeetingScheduling", True),
        boolean("AllowMeetNow", True),
        boolean("AllowPrivateMeetNow", True),
        enum("MeetingChatEnabledType", "Enabled", "Enabled", "Disabled", "EnabledExceptAnonymous"),
        enum("LiveCaptionsEnabledType", "DisabledUserOverride", "DisabledUserOverride", "Disabled"),
        boolean("AllowIPAudio", True),
        boolean("AllowIPVideo", True),
        enum("IPAudioMode", "EnabledOutgoingIncoming", "EnabledOutgoingIncoming", "Disabled"),
        enum("IPVideoMode", "EnabledOutgoingIncoming", "EnabledOutgoingIncoming", "Disabled"),
        boolean("AllowAnonymousUsersToJoinMeeting", True),
        boolean("AllowAnonymousUsersToStartMeeting", False),
        boolean("AllowPrivateMeetingScheduling", True),
        enum(
            "AutoAdmittedUsers",
            "EveryoneInCompanyExcludingGuests",
            "EveryoneInCompany",
            "EveryoneInSameAndFederatedCompany",
            "Everyone",
            "OrganizerOnly",
            "EveryoneInCompanyExcludingGuests",
            "InvitedUsers",
        ),
        boolean("AllowPSTNUsersToBypassLobby", False),
        boolean("AllowCloudRecording", True),
        boolean("AllowRecordingStorageOutsideRegion", False),
        boolean("AllowTranscription", False),
        integer("NewMeetingRecordingExpirationDays", 120, 1, 99999, also=(-1,)),
        boolean("AllowOutlookAddIn", True),
        boolean("AllowPowerPointSharing", True),
        boolean("AllowParticipantGiveRequestControl", True),
        boolean("AllowExternalParticipantGiveRequestControl", False),
        boolean("AllowSharedNotes", True),
        boolean("AllowWhiteboard", True),
        enum("ScreenSharingMode", "EntireScreen", "EntireScreen", "SingleApplication", "Disabled"),
        enum(
            "DesignatedPresenterRoleMode",
            "EveryoneUserOverride",
            "EveryoneUserOverride",
            "EveryoneInCompanyUserOverride",
            "EveryoneInSameAndFederatedCompanyUserOverride",
            "OrganizerOnlyUserOverride",
        ),
        boolean("AllowBreakoutRooms", True),
        boolean("AllowMeetingReactions", True),
        boolean("AllowExternalNonTrustedMeetingChat", True),
        enum("AllowEngagementReport", "Enabled", "Enabled", "Disabled", "ForceEnabled"),
        enum(
            "VideoFiltersMode",
            "AllFilters",
            "NoFilters",
            "BlurOnly",
            "BlurAndDefaultBackgrounds",
            "AllFilters",
        ),
        boolean("AllowNDIStreaming", False),
        enum("StreamingAttendeeMode", "Enabled", "Disabled", "Enabled"),
        enum(
            "TeamsCameraFarEndPTZMode",
            "Disabled",
            "Disabled",
            "AutoAcceptInTenant",
            "AutoAcceptAll",
        ),
        enum("RoomAttributeUserOverride", "Off", "Off", "Distinguish", "Attribute"),
    ),
)

CALLING_POLICY = PolicyType(
    "TeamsCallingPolicy",
    (
        text("Description", maximum=1024),
        boolean("AllowPrivateCalling", True),
        boolean("AllowWebPSTNCalling", True),
        boolean("AllowSIPDevicesCalling", False),
        enum("AllowVoicemail", "UserOverride", "AlwaysEnabled", "AlwaysDisabled", "UserOverride"),
        boolean("AllowCallGroups", True),
        boolean("AllowDelegation", True),
        boolean("AllowCallForwardingToUser", True),
        boolean("AllowCallForwardingToPhone", True),
        boolean("PreventTollBypass", False),
        enum(
            "BusyOnBusyEnabledType", "Disabled", "Enabled", "Disabled", "Unanswered", "UserOverride"
        ),
        enum("MusicOnHoldEnabledType", "Enabled", "Enabled", "Disabled", "UserOverride"),
        boolean("AllowCloudRecordingForCalls", False),
        boolean("AllowTranscriptionForCalling", False),
        enum(
            "LiveCaptionsEnabledTypeForCalling",
            "DisabledUserOverride",
            "DisabledUserOverride",
            "Disabled",
        ),
        enum("AutoAnswerEnabledType", "Disabled", "Enabled", "Disabled"),
        enum("SpamFilteringEnabledType", "Enabled", "Enabled", "Disabled"),
        integer("CallRecordingExpirationDays", 60, 1, 99999),
        enum(
            "InboundPstnCallRoutingTreatment",
            "RegularIncoming",
            "RegularIncoming",
            "Unanswered",
            "Voicemail",
            "UserOverride",
        ),
        enum(
            "InboundFederatedCallRoutingTreatment",
            "RegularIncoming",
            "RegularIncoming",
            "Unanswered",
            "Voicemail",
        ),
        enum("PopoutForIncomingPstnCalls", "Disabled", "Enabled", "Disabled"),
        text("PopoutAppPathForIncomingPstnCalls", "", maximum=1024),
    ),
)

BROADCAST = PolicyType(
    "TeamsMeetingBroadcastPolicy",
    (
        text("Description", maximum=1024),
        boolean("AllowBroadcastScheduling", True),
        boolean("AllowBroadcastTranscription", False),
        enum(
            "BroadcastAttendeeVisibilityMode",
            "EveryoneInCompany",
            "Everyone",
            "EveryoneInCompany",
            "InvitedUsersInCompany",
            "EveryoneInCompanyAndExternal",
            "InvitedUsersInCompanyAndExternal",
        ),
        enum(
            "BroadcastRecordingMode",
            "AlwaysEnabled",
            "AlwaysEnabled",
            "AlwaysDisabled",
            "UserOverride",
        ),
    ),
)

# TeamsChannelsPolicy takes no Description in the cmdlet reference.
CHANNELS = PolicyType(
    "TeamsChannelsPolicy",
    (
        boolean("AllowOrgWideTeamCreation", True),
        boolean("EnablePrivateTeamDiscovery", True),
        boolean("AllowPrivateChannelCreation", True),
        boolean("AllowSharedChannelCreation", True),
        boolean("AllowChannelSharingToExternalUser", True),
        boolean("AllowUserToParticipateInExternalSharedChannel", True),
    ),
)

# Virtual appointments (Set-CsTeamsVirtualAppointmentsPolicy): one setting, no Description.
VIRTUAL_APPOINTMENTS = PolicyType(
    "TeamsVirtualAppointmentsPolicy", (boolean("EnableSmsNotifications", True),)
)

POLICY_TYPES: dict[str, PolicyType] = {
    t.name.lower(): t
    for t in (
        MESSAGING,
        APP_SETUP,
        MEETING,
        CALLING_POLICY,
        BROADCAST,
        CHANNELS,
        VIRTUAL_APPOINTMENTS,
    )
}


def find_type(name: str) -> PolicyType | None:
    """The policy type, matched case-insensitively as the cmdlets do."""
    return POLICY_TYPES.get(name.lower())
