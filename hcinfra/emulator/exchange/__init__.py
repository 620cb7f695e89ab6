"""Exchange Online's admin API (InvokeCommand), as the ExchangeOnlineManagement module calls it."""
