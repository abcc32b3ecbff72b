#!/usr/bin/env python3
# Writes tests/bad/: the bad-input suite (issue 13), each file a shipped
# model or a small experiment, plan or call log with one mistake, headed by
# its kind, command, the key the error must name and a phrase it must
# contain. Run it after changing the shipped models: python3 tests/make_bad_inputs.py
import os, re
root=os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out=os.path.join(root,'tests/bad')
base=open(os.path.join(root,'models/voice-agent.toml')).read()
camp=open(os.path.join(root,'models/campaign.toml')).read()
req=open(os.path.join(root,'models/tts-semaphore.toml')).read()
prof=open(os.path.join(root,'models/daily-profile.toml')).read()
outb=open(os.path.join(root,'models/outbound.toml')).read()
cases=[]
def strip_comments(t):
    return '\n'.join(l for l in t.splitlines() if not l.startswith('#'))
def model(name, kind, text, key, msg, args='run', note=''):
    cases.append((name+'.toml', kind, args, key, msg, strip_comments(text), note))
def sub(t, a, b):
    assert a in t, a
    return t.replace(a, b, 1)
def setkey(t, section_line, newline):
    return sub(t, section_line, newline)
H='holding = { dist = "lognormal", mean = "3m", cv = 0.8 }'
# --- panics
fb=open(os.path.join(root,'models/llm-fallback.toml')).read()
sip=open(os.path.join(root,'models/sip-failover.toml')).read()
model('panic-overdispersion-tiny','panic', sub(base,'arrivals = { rate = "10/min" }','arrivals = { rate = "10/min", overdispersion = 1e-200 }'),'sources.inbound.arrivals.overdispersion','is not allowed')
model('panic-overdispersion-huge','panic', sub(base,'arrivals = { rate = "10/min" }','arrivals = { rate = "10/min", overdispersion = 1e200 }'),'sources.inbound.arrivals.overdispersion','is not allowed')
model('panic-campaign-retry-digits','panic', sub(camp,'busy = "30m"','busy = "'+'9'*300+'s"'),'campaigns.renewals.retry.busy','')
model('panic-lognormal-cv-huge','panic', sub(base,H,'holding = { dist = "lognormal", mean = "3m", cv = 1e300 }'),'sources.inbound.holding.cv','coefficient of variation')
model('panic-gamma-cv-tiny','panic', sub(base,H,'holding = { dist = "gamma", mean = "3m", cv = 1e-300 }'),'sources.inbound.holding.cv','coefficient of variation')
model('panic-weibull-cv-huge','panic', sub(base,H,'holding = { dist = "weibull", mean = "3m", cv = 1e300 }'),'sources.inbound.holding.cv','coefficient of variation')
model('panic-weibull-shape-zero','panic', sub(base,H,'holding = { dist = "weibull", mean = "3m", shape = 0.0 }'),'sources.inbound.holding.shape','Weibull shape from')
model('panic-weibull-shape-tiny','panic', sub(base,H,'holding = { dist = "weibull", mean = "3m", shape = 1e-3 }'),'sources.inbound.holding.shape','Weibull shape from')
model('panic-empirical-empty','panic', sub(base,H,'holding = { dist = "empirical", values = [] }'),'sources.inbound.holding','at least one value')
# --- hangs
model('hang-horizon-huge','hang', sub(base,'horizon = "8h"','horizon = "100000000000s"'),'run.horizon','longer than 10 years')
model('hang-warmup-huge','hang', sub(base,'warmup = "30m"','warmup = "100000000000s"'),'run.warmup','longer than 10 years')
model('hang-rate-huge','hang', sub(base,'arrivals = { rate = "10/min" }','arrivals = { rate = "1e13/s" }'),'sources.inbound.arrivals','arrivals')
model('hang-year-at-a-million','hang', sub(sub(base,'arrivals = { rate = "10/min" }','arrivals = { rate = "1000000/s" }'),'horizon = "8h"','horizon = "365d"'),'sources.inbound.arrivals','arrivals')
model('hang-turns-zero-interval','hang', sub(req,'turns = { interval = { dist = "exponential", mean = "5s" }','turns = { interval = { dist = "deterministic", value = "0s" }'),'sources.inbound.turns.interval','not allowed')
model('hang-patience-tiny','hang', sub(base,'patience = { dist = "exponential", mean = "40s" }','patience = { dist = "exponential", mean = "0.0000001s" }'),'sources.inbound.patience.mean','shorter than a microsecond')
model('hang-queue-timeout-huge','hang', sub(base,'on_full = { queue = { timeout = "5s" } }','on_full = { queue = { timeout = "1000000000000s" } }'),'limits.tts-connections.on_full.queue.timeout','longer than 10 years')
model('hang-redial-delay-tiny','hang', sub(base,'delay = { dist = "exponential", mean = "2m" }','delay = { dist = "exponential", mean = "0.000000001s" }'),'sources.inbound.redial.delay.mean','shorter than a microsecond')
# --- memory
model('memory-generate-ten-years','memory', sub(base,'arrivals = { rate = "10/min" }','arrivals = { rate = "1000/s" }'),'--days','calls the log would hold', args='generate --days 3650 --out calls.csv')
model('memory-pool-billion','memory', sub(base,'capacity = 100\non_full = "reject"','capacity = 100\npool = 1000000000\non_full = "reject"'),'limits.trunk.pool','copies')
model('memory-capacity-billion','memory', sub(base,'capacity = 100\non_full = "reject"','capacity = 1000000000\non_full = "reject"'),'limits.trunk.capacity','not allowed')
model('memory-replications-million','memory', sub(base,'replications = 10','replications = 1000000'),'run.replications','not allowed')
model('memory-max-replications-million','memory', sub(base,'replications = 10','replications = { min = 10, max = 1000000 }'),'run.replications','not allowed')
model('memory-series-1ms','memory', sub(base,'seed = 2026','seed = 2026\ntimeseries = "1ms"'),'run.timeseries','buckets')
model('memory-series-values','memory', sub(sub(base,'seed = 2026','seed = 2026\ntimeseries = "1s"'),'replications = 10','replications = 5000'),'run.timeseries','time-series values')
model('memory-many-pools','memory', sub(base,'capacity = 100\non_full = "reject"','capacity = 100\npool = 600000\non_full = "reject"').replace('capacity = 50\n','capacity = 50\npool = 600000\n',1),'pool','copies')
# --- silent acceptance
model('silent-empty-name','silent', sub(base,'name = "voice-agent"','name = ""'),'name','needs a name')
model('silent-no-sources','silent', re.sub(r'\[\[sources\]\][^\[]*','',base,count=1),'sources','at least one')
model('silent-no-limits','silent', base.split('[[limits]]')[0].replace('[run]', 'limits = []\n\n[run]', 1),'limits','at least one')
model('silent-duplicate-limits','silent', base.replace('name = "platform"','name = "trunk"'),'limits','')
model('silent-holding-overflow','silent', sub(base,H,'holding = { dist = "lognormal", mean = "1e400s", cv = 0.8 }'),'sources.inbound.holding.mean','')
model('silent-patience-overflow','silent', sub(base,'patience = { dist = "exponential", mean = "40s" }','patience = { dist = "exponential", mean = "1e309s" }'),'sources.inbound.patience.mean','')
model('silent-holding-ten-years','silent', sub(base,H,'holding = { dist = "lognormal", mean = "4000d", cv = 0.8 }'),'sources.inbound.holding.mean','longer than 10 years')
model('silent-subnormal-rate','silent', sub(base,'arrivals = { rate = "10/min" }','arrivals = { rate = "1e-310/s" }'),'sources.inbound.arrivals','typo')
model('silent-agent-limit-twice','silent', sub(camp,'agent_limits = ["agent-sessions"]','agent_limits = ["agent-sessions", "agent-sessions"]'),'campaigns.renewals.agent_limits','listed twice')
model('silent-weekday-monkey','silent', sub(camp,'days = ["mon", "tue"','days = ["monkey", "tue"'),'campaigns.renewals.window.days','not a weekday')
model('silent-uniform-inverted','silent', sub(base,H,'holding = { dist = "uniform", min = "5m", max = "1m" }'),'sources.inbound.holding','greater than max')
model('silent-redial-probability','silent', sub(base,'redial = { max_attempts = 3, delay','redial = { max_attempts = 3, probability = 1.5, delay'),'sources.inbound.redial.probability','between 0 and 1')
model('silent-redial-zero-attempts','silent', sub(base,'redial = { max_attempts = 3,','redial = { max_attempts = 0,'),'sources.inbound.redial.max_attempts','1 to 1000')
model('silent-sla-blocking-above-one','silent', sub(base,'max_blocking = 0.01','max_blocking = 1.5'),'sla.max_blocking','')
model('silent-capacity-zero','silent', sub(base,'capacity = 100\non_full = "reject"','capacity = 0\non_full = "reject"'),'limits.trunk.capacity','')
model('silent-week-of-not-monday','silent', sub(base,'seed = 2026','seed = 2026\nweek_of = "2026-11-25"'),'run.week_of','Monday')
model('silent-profile-weekday-monkey','silent', sub(prof,'arrivals = { profile = "weekday", overdispersion = 0.1, hourly = [','arrivals = { profile = "weekday", points = [{ at = "monkey 09:00", rate = "5/min" }], hourly = [') ,'sources.inbound.arrivals','')
model('silent-token-growth-huge','silent', sub(outb,'growth_per_minute = 600','growth_per_minute = 1e308'),'limits.llm-keys.growth_per_minute','at most 10¹⁵')
model('silent-limit-sources-empty','silent', sub(base,'capacity = 100\non_full = "reject"','capacity = 100\nsources = []\non_full = "reject"'),'limits.trunk.sources','applies the limit to nothing')
# --- unclear messages
model('unclear-redial-probability-word','unclear', sub(base,'redial = { max_attempts = 3, delay','redial = { max_attempts = 3, probability = "x", delay'),'sources.inbound.redial.probability','a probability such as 0.8')
model('unclear-replications-empty','unclear', sub(base,'replications = 10','replications = ""'),'run.replications','a number of replications such as 10')
model('unclear-timeseries-folder','unclear', base,'--timeseries','that is a folder', args='run --timeseries ./')
model('unclear-capacity-string','unclear', sub(base,'capacity = 100\non_full = "reject"','capacity = "100"\non_full = "reject"'),'limits.trunk.capacity','invalid type')
model('unclear-unknown-dist','unclear', sub(base,H,'holding = { dist = "normal", mean = "3m", cv = 0.8 }'),'sources.inbound.holding','unknown variant')
model('unclear-gamma-cv-zero','unclear', sub(base,H,'holding = { dist = "gamma", mean = "3m", cv = 0 }'),'sources.inbound.holding.cv','coefficient of variation')
model('unclear-duration-no-unit','unclear', sub(base,'horizon = "8h"','horizon = "8"'),'run.horizon','units')
model('unclear-rate-number','unclear', sub(base,'arrivals = { rate = "10/min" }','arrivals = { rate = 10 }'),'sources.inbound.arrivals.rate','')
model('unclear-unknown-key','unclear', sub(base,'capacity = 100\non_full = "reject"','capacty = 100\non_full = "reject"'),'limits.trunk.capacty','unknown field')
model('unclear-select','unclear', sub(base,'capacity = 100\non_full = "reject"','capacity = 100\npool = 2\nselect = "fastest"\non_full = "reject"'),'limits.trunk','unknown variant')
model('unclear-rate-window-zero','unclear', sub(camp,'window = "1s"','window = "0s"'),'limits.platform-cps.window','greater than zero')
# --- experiments, plans and outputs
exp_head='model = "../../models/voice-agent.toml"\nrun = { replications = 2, horizon = "10m", warmup = "0s" }\n'
def exp(name, kind, text, key, msg, note=''):
    cases.append((name+'.exp.toml', kind, 'sweep', key, msg, text, note))
exp('output-name-parent','output','name = "../../escaped"\n'+exp_head,'name','cannot name a folder')
exp('output-name-absolute','output','name = "/tmp/simcall-escaped"\n'+exp_head,'name','cannot name a folder')
exp('output-name-hidden','output','name = ".hidden"\n'+exp_head,'name','cannot name a folder')
exp('silent-experiment-empty-name','silent','name = ""\n'+exp_head,'name','must not be empty')
exp('silent-duplicate-tiers','silent','name = "dup"\n'+exp_head+'[[tiers]]\nname = "A"\n[[tiers]]\nname = "A"\n','tiers.A','two tiers')
exp('silent-tier-empty-name','silent','name = "t"\n'+exp_head+'[[tiers]]\nname = ""\n','tiers[0].name','needs a name')
exp('silent-tier-negative-price','silent','name = "t"\n'+exp_head+'[[tiers]]\nname = "A"\nprice_per_month = -5\n','tiers.A.price_per_month','≥ 0')
exp('memory-grid-too-large','memory','name = "big"\n'+exp_head+'sweep = { "limits.trunk.capacity" = { from = 10, to = 10000, steps = 10000 }, "limits.platform.capacity" = { from = 10, to = 10000, steps = 10000 } }\n','sweep','at most')
exp('unclear-axis-steps','unclear','name = "s"\n'+exp_head+'sweep = { "limits.trunk.capacity" = { from = 10, to = 100, steps = 100000 } }\n','sweep','steps')
exp('unclear-missing-model','unclear','name = "m"\nmodel = "nowhere.toml"\n','model','does not exist')
exp('unclear-axis-unknown-key','unclear','name = "k"\n'+exp_head+'sweep = { "limits.trunkk.capacity" = [10, 20] }\n','sweep."limits.trunkk.capacity"','trunkk')
cases.append(('output-plan-name-parent.plan.toml','output','plan','name','cannot name a folder','name = "../escaped-plan"\nmodel = "../../models/plan-stack.toml"\n[forecast]\ngrowth = "10%/month"\nmonths = 2\n[[choices]]\nname = "platform"\noptions = [{ name = "S", set = { "limits.platform.capacity" = 50 }, price = { monthly = 149 } }]\n',''))
# --- call logs
def log(name, kind, rows, key, msg):
    cases.append((name+'.csv', kind, 'fit', key, msg, 'start,duration\n'+''.join(f'{a},{b}\n' for a,b in rows), ''))
log('panic-fit-near-equal','panic',[(i*10, 100+1e-12*i) for i in range(100)],'','hardly vary')
log('hang-fit-huge-durations','hang',[(i*10, 1e300*(1+i)) for i in range(100)],'duration','longer than 10 years')
log('hang-fit-late-start','hang',[(1e15+i*10, 60+i) for i in range(100)],'start','10 years')
log('silent-fit-nan-duration','silent',[(i*10, 'NaN' if i%2 else 60+i) for i in range(100)],'duration','')
log('unclear-fit-negative-start','unclear',[(-1e9+i*10, 60+i) for i in range(100)],'start','')
log('silent-fit-too-few','silent',[(i*10, 60+i) for i in range(5)],'','too few')
for f in os.listdir(out):
    os.remove(os.path.join(out,f))
# --- the failing world (issue 22)
model('hang-probe-interval-tiny','hang', sub(fb,'health = { unhealthy_after = 3, probe_interval = "30s" }','health = { unhealthy_after = 3, probe_interval = "1us" }'),'limits.llm-key.health.probe_interval','between probes')
model('hang-outages-tiny','hang', sub(sip,'between = { dist = "exponential", mean = "3d" }\nrepair = { dist = "lognormal", mean = "45m", cv = 1.0 }','between = { dist = "exponential", mean = "1us" }\nrepair = { dist = "exponential", mean = "1us" }'),'incidents.trunk-a-outages.between','at least')
model('unclear-overflow-loop','unclear', sub(fb,'on_full = "reject"\n# ANCHOR_END: fallback','on_full = { overflow = "llm-key" }\n# ANCHOR_END: fallback'),'limits.standby-llm.on_full.overflow','not a standby limit')
model('unclear-failure-probability-pct','unclear', sub(fb,'probability = "2%"','probability = 2'),'limits.llm-key.failure.probability','did you mean')
model('unclear-incident-limit','unclear', sub(fb,'limit = "llm-key"\nstart','limit = "llm-keys"\nstart'),'incidents.llm-throttle.limit','no limit is named')
# --- the days that matter (issue 23)
cc=open(os.path.join(root,'models/call-centre.toml')).read()
DV='day_to_day = { dist = "lognormal", cv = 0.10 }'
model('panic-day-factor-cv-huge','panic', sub(cc,DV,'day_to_day = { dist = "lognormal", cv = 1e300 }'),'sources.inbound.arrivals.day_to_day.cv','is not allowed',args='validate')
model('silent-day-factor-zero','silent', sub(cc,DV,'day_to_day = { factors = [1.1, 0.0, 0.9] }'),'sources.inbound.arrivals.day_to_day.factors[1]','greater than zero',args='validate')
model('silent-day-of-week-six','silent', sub(cc,'day_of_week = [1.15, 1.02, 1.0, 0.97, 0.92, 0.30, 0.15]','day_of_week = [1.15, 1.02, 1.0, 0.97, 0.92, 0.30]'),'sources.inbound.arrivals.day_of_week','needs 7 factors',args='validate')
model('unclear-within-day-split','unclear', sub(cc,'split = "12:00"','split = "25:00"'),'sources.inbound.arrivals.within_day.split','strictly between 00:00 and 24:00',args='validate')
model('unclear-day-factor-twice','unclear', sub(cc,DV,DV+', overdispersion = 0.1'),'sources.inbound.arrivals.day_to_day','not both',args='validate')
model('unclear-day-factor-dist','unclear', sub(cc,DV,'day_to_day = { dist = "weibull", cv = 0.1 }'),'sources.inbound.arrivals.day_to_day.dist','"gamma", "lognormal" or "empirical"',args='validate')
model('unclear-busiest-days-in-a-window','unclear', sub(base,'max_blocking = 0.01','max_blocking = 0.01\nwindow = "mon-fri 09:00-17:00"\ndays = "5 busiest"'),'sla.days','goes with over = "busy_hour"',args='validate')
model('unclear-load-extreme','unclear', sub(base,'max_blocking = 0.01','max_blocking = 0.01\nload = "extreme"'),'sla.load','"normal" (the 30 busiest days',args='validate')
model('unclear-days-over-over-the-run','unclear', sub(base,'max_blocking = 0.01','max_blocking = 0.01\nover = "run"\nmax_days_over = "5%"'),'sla.max_days_over','goes with over = "busy_hour"',args='validate')
model('unclear-days-over-no-objective','unclear', sub(sub(sub(base,'max_blocking = 0.01','max_days_over = "5%"'),'max_abandonment = 0.01\n',''),'max_p95_wait = "20s"\n',''),'sla.max_days_over','sets none',args='validate')
model('unclear-days-over-share','unclear', sub(base,'max_blocking = 0.01','max_blocking = 0.01\nmax_days_over = "150%"'),'sla.max_days_over','is not a probability',args='validate')
model('silent-busiest-days-short-run','silent', sub(base,'max_blocking = 0.01','max_blocking = 0.01\ndays = "5 busiest"'),'sla.days','has no 5 busiest',args='validate')
cases.append(('unclear-growth-range-order.plan.toml','unclear','validate','forecast.growth','low ≤ mid ≤ high','name = "r"\nmodel = "../../models/plan-stack.toml"\n[forecast]\ngrowth = { low = "20%/month", mid = "10%/month", high = "30%/month" }\nmonths = 2\n[[choices]]\nname = "platform"\noptions = [{ name = "S", set = { "limits.platform.capacity" = 50 }, price = { monthly = 149 } }]\n',''))
cases.append(('unclear-growth-range-cv-and-low.plan.toml','unclear','validate','forecast.growth.cv','not both','name = "r"\nmodel = "../../models/plan-stack.toml"\n[forecast]\ngrowth = { low = "5%/month", mid = "10%/month", cv = 0.1 }\nmonths = 2\n[[choices]]\nname = "platform"\noptions = [{ name = "S", set = { "limits.platform.capacity" = 50 }, price = { monthly = 149 } }]\n',''))
def counts(name, kind, rows, key, msg):
    cases.append((name+'.csv', kind, 'fit', key, msg, 'start,count\n'+''.join(f'{a},{b}\n' for a,b in rows), ''))
counts('unclear-fit-counts-off-grid','unclear',[(i*900+(7 if i==50 else 0), 10) for i in range(96)],'','not on a grid of whole minutes (one is at 12:30:07)')
counts('silent-fit-counts-fraction','silent',[(i*900, 2.5 if i==3 else 10) for i in range(96)],'count','whole number')
for (fname, kind, args, key, msg, text, note) in cases:
    hdr=f'# kind: {kind}\n# command: {args}\n# key: {key}\n# message: {msg}\n'
    with open(os.path.join(out,fname),'w') as f:
        if fname.endswith('.csv'):
            f.write(text)
            with open(os.path.join(out,fname+'.expect'),'w') as g: g.write(hdr)
        else:
            f.write(hdr+text)
print(len(cases))
