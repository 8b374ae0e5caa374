"""Writes one adoption snapshot for the benchmark: users, logins, activities, opportunities
and their stage history, in Salesforce export shapes. Deterministic (seeded), streamed.

    python3 adoption_gen.py OUT_DIR OPPORTUNITIES ACTIVITIES
"""
import datetime
import os
import random
import sys

out, n_opps, n_acts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
os.makedirs(out, exist_ok=True)
rng = random.Random(12)
as_of = datetime.date(2025, 6, 30)
start = as_of - datetime.timedelta(days=730)
n_users = max(50, n_opps // 500)
teams = ["Enterprise", "Mid-Market", "Inside Sales", "SMB", "Partners"]
names = [f"Rep{i:05d} Person{i % 97:02d}" for i in range(n_users)]
days = [(start + datetime.timedelta(days=d)) for d in range(731)]
iso = [d.isoformat() for d in days]
mdy = [f"{d.month}/{d.day}/{d.year}" for d in days]

with open(f"{out}/users.csv", "w") as f:
    f.write("User ID,Full Name,Email,Role,Team,Manager,Region,Active,Last Login\n")
    for i, n in enumerate(names):
        last = "" if i % 40 == 0 else f"{iso[730 - rng.randrange(20)]}T08:00:00.000+0000"
        f.write(f"U{i:06d},{n},rep{i}@example.com,Account Executive,{teams[i % 5]},Manager {i % 5},Region {i % 3},true,{last}\n")

with open(f"{out}/login_history.csv", "w") as f:
    f.write("Username,Login Time,Status,Application\n")
    lines = []
    for i in range(n_users):
        for _ in range(60):
            lines.append(f"rep{i}@example.com,{iso[730 - rng.randrange(90)]}T09:00:00.000+0000,Success,Browser\n")
    f.writelines(lines)

stages = ["Prospecting", "Qualification", "Needs Analysis", "Proposal/Price Quote", "Negotiation/Review"]
with open(f"{out}/opportunities.csv", "w") as f, open(f"{out}/opportunity_history.csv", "w") as h:
    f.write("Opportunity ID,Opportunity Owner,Opportunity Name,Stage,Amount,Close Date,Created Date,Last Modified Date,Next Step,Forecast Category\n")
    h.write("OPPORTUNITYID,STAGENAME,CREATEDDATE\n")
    buf, hbuf = [], []
    for k in range(n_opps):
        owner = names[rng.randrange(n_users)]
        c = rng.randrange(600)
        d = c
        reach = rng.randrange(5)
        path = []
        for s in range(reach + 1):
            if s == 2 and rng.random() < 0.1:
                continue
            path.append((stages[s], d))
            d = min(d + rng.randrange(3, 20), 730)
        r = rng.random()
        if r < 0.35:
            path.append(("Closed Won", d))
        elif r < 0.75:
            path.append(("Closed Lost", d))
        stage, last = path[-1]
        close = last if stage.startswith("Closed") else min(c + 90, 730)
        oid = f"006{k:09d}"
        buf.append(f"{oid},{owner},Deal {k},{stage},{rng.randrange(1, 500) * 100},{mdy[close]},{mdy[c]},{mdy[last]},{'Call' if rng.random() < 0.8 else ''},Pipeline\n")
        for s, day in path:
            hbuf.append(f"{oid},{s},{iso[day]}T10:00:00.000Z\n")
        if len(buf) >= 50000:
            f.writelines(buf)
            h.writelines(hbuf)
            buf, hbuf = [], []
    f.writelines(buf)
    h.writelines(hbuf)

with open(f"{out}/activities.csv", "w") as f:
    f.write("Activity ID,Assigned,Subject,Task Subtype,Due Date\n")
    kinds = ["Call", "Email", "Meeting", "Task"]
    buf = []
    for k in range(n_acts):
        buf.append(f"00T{k:09d},{names[k % n_users]},Touch,{kinds[k % 4]},{mdy[730 - (k * 7919) % 365]}\n")
        if len(buf) >= 100000:
            f.writelines(buf)
            buf = []
    f.writelines(buf)
