"""``utility-bench console``: real people in the loop, in a local web console.

Three modes over every text env: *be the user* (a person chats with an agent under test, from
the task's goal card), *be the agent* (a person serves the simulated user, with the policy on
screen and a form per tool), and the *arena* (a person plays the user with two anonymous agents
and votes). Every session is saved in the trajectory format with the person's turns marked
(``person`` on the trajectory line) and verifies like any run; ``utility-bench fidelity``
compares the simulated user with the people (see docs/humans.md).

Modules: ``people`` (the person as user: live, replayed, shadowed), ``sessions`` (one episode
run for a person in its own thread), ``store`` (run folders and journals), ``forms`` (tool
schemas as forms), ``app`` / ``server`` (the WSGI app on waitress), ``arena`` (Bradley-Terry
ratings), ``fidelity`` (the simulated user against people).
"""
