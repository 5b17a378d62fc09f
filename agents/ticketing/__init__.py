"""The parts of the Ticketing heuristic agent (`heuristic_ticketing.TicketingHeuristicAgent`).

``reading``: keyword tables and the rules that read a request. ``desk``: what the agent has read
in one episode, the request being served and the moves every request shares. One module per
kind of request: ``account``, ``access``, ``hardware``, ``tickets`` (follow-ups, duplicates),
``problems`` (known problems, the knowledge base, routing, security), ``team``. ``queue``: the
TicketingQueue env, worked ticket by ticket.
"""
