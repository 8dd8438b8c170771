import Mustache
import PXState

/// The pages' templates, embedded (the dashboard works offline, from one
/// binary). Mustache escapes every `{{value}}` for HTML; nothing is written
/// unescaped but the charts, which the server draws itself (`{{{svg}}}`).
enum DashboardTemplates {
    /// The templates that parse, and the names of any that do not (none: every page test renders them all).
    static let library: (templates: MustacheLibrary, broken: [String]) = {
        var library = MustacheLibrary(), broken: [String] = []
        for (name, text) in templates {
            do {
                library.register(try MustacheTemplate(string: text), named: name)
            } catch {
                broken.append(name)
            }
        }
        return (library, broken.sorted())
    }()

    /// `page` rendered, or nil when a template it needs does not parse (the page answers 500, the server goes on).
    static func render(_ page: some DashboardPage) -> String? {
        guard library.broken.isEmpty else { return nil }
        return library.templates.render(page, withTemplate: type(of: page).template)
    }

    static let templates: [String: String] = [
        "head": """
            {{#frame}}
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{title}} · pxscript</title>
            <link rel="stylesheet" href="/assets/style.css">
            </head>
            <body>
            <header>
            <nav aria-label="Pages">
            <a href="/" {{#overview}}aria-current="page"{{/overview}}>Overview</a>
            <a href="/approvals" {{#approvalsPage}}aria-current="page"{{/approvalsPage}}>Approvals{{#waiting}} ({{waiting}}){{/waiting}}</a>
            <a href="/activity" {{#activityPage}}aria-current="page"{{/activityPage}}>Activity</a>
            <a href="/plan" {{#planPage}}aria-current="page"{{/planPage}}>Plan</a>
            <a href="/results" {{#resultsPage}}aria-current="page"{{/resultsPage}}>Results</a>
            </nav>
            </header>
            <main>
            <h1>{{title}}</h1>
            {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
            {{/frame}}
            """,
        "foot": """
            {{#frame}}
            </main>
            <footer><p>pxscript {{version}} · times in {{zone}}</p></footer>
            </body>
            </html>
            {{/frame}}
            """,
        "overview": """
            {{> head}}
            <section aria-labelledby="session-h">
            <h2 id="session-h">Session</h2>
            {{#sessionOK}}<p class="ok">The Pixieset session works.</p>{{/sessionOK}}
            {{^sessionOK}}<p class="problem">{{sessionProblem}}</p><p>Fix: run <code>pxscript login</code>; a running daemon picks up the new cookie by itself.</p>{{/sessionOK}}
            {{#studioOutage}}<p class="problem">{{studioOutage}}</p><p>Nothing to do: the daemon tries every poll, and what clients write meanwhile is read and answered once the studio answers.</p>{{/studioOutage}}
            </section>
            {{#scripts}}
            <section class="card" aria-labelledby="s{{index}}">
            <h2 id="s{{index}}">{{label}}</h2>
            {{#missing}}<p>No state yet: it has not run.</p>{{/missing}}
            {{^missing}}
            <dl>
            <dt>Daemon</dt><dd>{{daemon}}</dd>
            <dt>Today</dt><dd>{{sendsToday}} of {{cap}} sends</dd>
            <dt>Sends</dt><dd>{{#paused}}<strong class="problem">paused</strong>{{/paused}}{{^paused}}going out{{/paused}}</dd>
            <dt>Approvals waiting</dt><dd>{{approvals}}</dd>
            <dt>Parked handlers</dt><dd>{{parked}}</dd>
            {{#offset}}<dt>Studio clock</dt><dd>{{offset}}</dd>{{/offset}}
            {{#notices}}<dt>Notifications</dt><dd class="problem">{{notices}}</dd>{{/notices}}
            {{#schedules}}<dt>Next {{name}}</dt><dd>{{next}}{{#failure}} <strong class="failed">last run failed: {{failure}}</strong>{{/failure}}</dd>{{/schedules}}
            </dl>
            <form method="post" action="{{#paused}}/resume{{/paused}}{{^paused}}/pause{{/paused}}">
            <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="script" value="{{index}}">
            <button type="submit">{{#paused}}Resume sends{{/paused}}{{^paused}}Pause sends{{/paused}}</button>
            </form>
            {{#hasParked}}
            <form method="post" action="/retry">
            <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="script" value="{{index}}">
            <button type="submit">Retry parked messages</button> <span class="hint">once the script is fixed: the daemon hands them to it again, once</span>
            </form>
            {{/hasParked}}
            {{/missing}}
            </section>
            {{/scripts}}
            {{> foot}}
            """,
        "approvals": """
            {{> head}}
            {{^open}}<p>Nothing waits for your approval.</p>{{/open}}
            {{#open}}
            <section class="card" aria-labelledby="{{id}}">
            <h2 id="{{id}}">To {{client}} <small>{{id}} · {{script}}</small></h2>
            <p class="meta">asked {{asked}} · expires {{expires}} · {{why}}</p>
            {{#contextShown}}<ol class="context" aria-label="The conversation's last messages">{{#context}}<li class="{{side}}"><span class="who">{{who}}</span> {{text}}</li>{{/context}}</ol>{{/contextShown}}
            <form method="post" action="/approvals/{{id}}/approve">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <label for="text-{{id}}">Message</label>
            <textarea id="text-{{id}}" name="text" rows="5">{{text}}</textarea>
            {{#attachments}}<p class="meta">Attached: {{.}}</p>{{/attachments}}
            <button type="submit">Approve and send</button>
            </form>
            <form method="post" action="/approvals/{{id}}/reject" class="reject">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <label for="reason-{{id}}">Reason (optional)</label>
            <input id="reason-{{id}}" name="reason" type="text">
            <button type="submit" class="secondary">Reject</button>
            </form>
            </section>
            {{/open}}
            {{#closedShown}}
            <h2>Closed lately</h2>
            <table><thead><tr><th scope="col">Request</th><th scope="col">To</th><th scope="col">State</th><th scope="col">Why</th></tr></thead><tbody>
            {{#closed}}<tr><td>{{id}}</td><td>{{client}}</td><td>{{state}}</td><td>{{detail}}</td></tr>{{/closed}}
            </tbody></table>
            {{/closedShown}}
            {{> foot}}
            """,
        "activity": """
            {{> head}}
            <form method="get" action="/activity" class="filters">
            <label for="f-script">Script</label>
            <select id="f-script" name="script"><option value="">all</option>{{#scriptOptions}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/scriptOptions}}</select>
            <label for="f-kind">Kind</label>
            <select id="f-kind" name="kind"><option value="">all</option>{{#kindOptions}}<option value="{{value}}" {{#selected}}selected{{/selected}}>{{value}}</option>{{/kindOptions}}</select>
            <label for="f-client">Client or conversation</label>
            <input id="f-client" name="client" type="text" value="{{client}}">
            <button type="submit">Filter</button>
            </form>
            {{^entries}}<p>Nothing in the journal{{#filtered}} for this filter{{/filtered}}.</p>{{/entries}}
            {{#entriesShown}}
            <table><thead><tr><th scope="col">When</th><th scope="col">Script</th><th scope="col">What</th><th scope="col">Conversation</th><th scope="col">Detail</th></tr></thead><tbody>
            {{#entries}}<tr><td>{{at}}</td><td>{{script}}</td><td>{{kind}}</td><td>{{#conversation}}<a href="/activity?client={{conversation}}">{{conversation}}</a>{{/conversation}}{{#clientName}} ({{clientName}}){{/clientName}}</td><td>{{detail}}{{#line}} <small>from line {{line}}</small>{{/line}}</td></tr>{{/entries}}
            </tbody></table>
            {{/entriesShown}}
            <nav aria-label="Pages of the journal" class="pager">{{#newer}}<a href="{{newer}}">Newer</a>{{/newer}} {{#older}}<a href="{{older}}">Older</a>{{/older}}</nav>
            {{> foot}}
            """,
        "plan": """
            {{> head}}
            <p>A dry run reads the studio and shows what a script would send now. Nothing is sent, nothing is recorded.</p>
            {{#runnable}}
            <form method="post" action="/plan">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <label for="plan-script">Script</label>
            <select id="plan-script" name="script">{{#choices}}<option value="{{index}}" {{#selected}}selected{{/selected}}>{{label}}</option>{{/choices}}</select>
            <button type="submit">Run a dry run</button>
            </form>
            {{/runnable}}
            {{^runnable}}<p>Name scripts when you start the dashboard (<code>pxscript dashboard followup.lua</code>) to plan them here.</p>{{/runnable}}
            {{#ran}}
            <h2>{{ran}}</h2>
            {{#error}}<p class="problem">{{error}}</p>{{/error}}
            {{^error}}{{^planned}}<p>It would send nothing now.</p>{{/planned}}{{/error}}
            {{#plannedShown}}
            <table><thead><tr><th scope="col">To</th><th scope="col">Message</th><th scope="col">Line</th><th scope="col">Would</th></tr></thead><tbody>
            {{#planned}}<tr><td>{{client}} <small>{{conversation}}</small></td><td class="text">{{text}}</td><td>{{position}}</td><td>{{outcome}}</td></tr>{{/planned}}
            </tbody></table>
            {{/plannedShown}}
            {{#schedules}}
            <h3>Schedule {{name}} at its next run{{#next}} ({{next}}){{/next}}</h3>
            {{#error}}<p class="problem">{{error}}</p>{{/error}}
            {{^error}}{{^messages}}<p>It would send nothing.</p>{{/messages}}{{/error}}
            {{#shown}}
            <table><thead><tr><th scope="col">To</th><th scope="col">Message</th><th scope="col">Line</th><th scope="col">Would</th></tr></thead><tbody>
            {{#messages}}<tr><td>{{client}} <small>{{conversation}}</small></td><td class="text">{{text}}</td><td>{{position}}</td><td>{{outcome}}</td></tr>{{/messages}}
            </tbody></table>
            {{/shown}}
            {{/schedules}}
            {{/ran}}
            {{> foot}}
            """,
        "results": """
            {{> head}}
            <p>Messages pxscript sent in the last {{days}} days, and whether the client answered. A client's answer is counted
            when a running <code>pxscript watch</code> saw it.</p>
            {{^groups}}<p>Nothing sent in that time.</p>{{/groups}}
            {{#groupsShown}}
            <table><thead><tr><th scope="col">Script</th><th scope="col">Message (line or key)</th><th scope="col">Sent</th><th scope="col">Answered in 1 day</th><th scope="col">3 days</th><th scope="col">7 days</th><th scope="col">Median answer</th></tr></thead><tbody>
            {{#groups}}<tr><td>{{script}}</td><td>{{name}}</td><td>{{sent}}</td><td>{{day1}}</td><td>{{day3}}</td><td>{{day7}}</td><td>{{median}}</td></tr>{{/groups}}
            </tbody></table>
            <h2>Sends per day</h2>
            <figure>{{{sendsChart}}}<figcaption>Messages sent each day, last {{chartDays}} days.</figcaption></figure>
            <h2>Time to the client's answer</h2>
            <figure>{{{replyChart}}}<figcaption>How long clients took to answer, over every message above.</figcaption></figure>
            {{/groupsShown}}
            {{> foot}}
            """,
    ]

    /// The one stylesheet: readable on a phone, no web fonts, no framework.
    static let css = """
        :root { color-scheme: light; --ink: #1d1d1f; --muted: #5b5b60; --line: #d8d8dc; --accent: #0b5cad; --bad: #a4161a; --ok: #1b6b35; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: #fafafa; }
        header { background: #fff; border-bottom: 1px solid var(--line); }
        nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; padding: .75rem 1rem; max-width: 60rem; margin: 0 auto; }
        nav a { color: var(--accent); text-decoration: none; padding: .25rem 0; }
        nav a[aria-current="page"] { font-weight: 600; border-bottom: 2px solid var(--accent); }
        main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
        h1 { font-size: 1.5rem; margin: .5rem 0 1rem; }
        h2 { font-size: 1.15rem; margin: 1.25rem 0 .5rem; }
        h2 small { font-weight: normal; color: var(--muted); font-size: .85rem; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: .75rem 1rem; margin: 0 0 1rem; }
        dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0 0 .75rem; }
        dt { color: var(--muted); }
        dd { margin: 0; }
        .ok { color: var(--ok); }
        .problem { color: var(--bad); }
        .notice { background: #eef5fc; border-left: 4px solid var(--accent); padding: .5rem .75rem; }
        .meta { color: var(--muted); font-size: .9rem; margin: .25rem 0; }
        label { display: block; font-weight: 600; margin: .5rem 0 .25rem; }
        textarea, input[type="text"], select { width: 100%; font: inherit; padding: .4rem; border: 1px solid #8e8e93; border-radius: 4px; }
        button { font: inherit; margin-top: .5rem; padding: .45rem .9rem; border: 0; border-radius: 4px; background: var(--accent); color: #fff; cursor: pointer; }
        button.secondary { background: #fff; color: var(--bad); border: 1px solid var(--bad); }
        form.reject { margin-top: .5rem; }
        .filters { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: 0 1rem; align-items: end; margin-bottom: 1rem; }
        table { width: 100%; border-collapse: collapse; background: #fff; font-size: .9rem; }
        th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        td.text { white-space: pre-wrap; }
        ol.context { list-style: none; padding: 0; margin: .5rem 0; }
        ol.context li { padding: .3rem .5rem; margin: .25rem 0; border-radius: 6px; background: #f1f1f3; }
        ol.context li.studio { background: #e7f0fa; }
        .who { font-weight: 600; }
        .pager { display: flex; gap: 1rem; margin: 1rem 0; }
        .pager a { color: var(--accent); }
        figure { margin: 0 0 1rem; }
        figure svg { width: 100%; height: auto; background: #fff; border: 1px solid var(--line); }
        figcaption { color: var(--muted); font-size: .9rem; }
        footer { max-width: 60rem; margin: 0 auto; padding: 1rem; color: var(--muted); font-size: .85rem; }
        code { font-family: ui-monospace, monospace; font-size: .9em; }
        @media (max-width: 40rem) { table { font-size: .8rem; } th, td { padding: .3rem; } }
        """
}
