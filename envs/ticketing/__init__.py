"""utility/Ticketing-v0 and utility/TicketingQueue-v0: an IT service desk with a ticket system."""
