"""utility/Ticketing-v1 and utility/TicketingQueue-v0: an IT service desk with a ticket system."""
