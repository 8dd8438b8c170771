import Foundation
import Hummingbird
import PXRuntime
import PXState

/// Results per message: for each script and each message it
/// sends (grouped by the script line that sent it, or by the prefix of an
/// explicit `key`), how many went out, the share of clients who answered
/// within 1, 3 and 7 days, and the median time to their answer.
struct DashboardResults {
    let site: DashboardSite
    /// The window results look back over.
    static let days = 90
    static let chartDays = 30

    /// One group's figures.
    struct Group {
        var script: String
        var name: String
        var delays: [Double?] = []  // seconds to the client's answer, nil when none came
    }

    func page(_ request: Request) throws -> ResultsPage {
        let now = site.clock.now()
        let since = now.addingTimeInterval(-Double(Self.days) * 86_400)
        var groups: [String: Group] = [:], order: [String] = []
        var sentDays: [Date] = []
        // Client messages as any state's watch recorded them (the same message may be in several).
        var answers: [String: [Date]] = [:]
        for index in site.configuration.scripts.indices {
            guard let store = try site.states.store(index) else { continue }
            for (conversation, times) in try store.ledger.clientMessageTimes(since: since) { answers[conversation, default: []] += times }
        }
        for conversation in answers.keys { answers[conversation] = Array(Set(answers[conversation] ?? [])).sorted() }
        for (index, script) in site.configuration.scripts.enumerated() {
            guard let store = try site.states.store(index) else { continue }
            for record in try store.sends.sentRecords(since: since) {
                let name = Self.groupName(record)
                let id = script.label + "\u{0}" + name
                if groups[id] == nil { order.append(id); groups[id] = Group(script: script.label, name: name) }
                let answer = answers[record.conversationID]?.first { $0 > record.sentAt }
                groups[id]?.delays.append(answer.map { $0.timeIntervalSince(record.sentAt) })
                sentDays.append(record.sentAt)
            }
        }
        let rows = order.compactMap { groups[$0] }.map { group in
            let count = group.delays.count
            func share(_ days: Double) -> String {
                let within = group.delays.filter { ($0 ?? .infinity) <= days * 86_400 }.count
                return "\(Int((Double(within) / Double(max(count, 1)) * 100).rounded()))%"
            }
            let answered = group.delays.compactMap { $0 }.sorted()
            let median = answered.isEmpty ? "no answer" : DurationText.format(answered[answered.count / 2])
            return ResultsPage.Group(
                script: group.script, name: group.name, sent: count, day1: share(1), day3: share(3), day7: share(7), median: median)
        }
        let delays = order.compactMap { groups[$0] }.flatMap(\.delays)
        return ResultsPage(
            frame: PageFrame(title: "Results", notice: site.notice(request)), days: Self.days, chartDays: Self.chartDays, groups: rows,
            groupsShown: !rows.isEmpty,
            sendsChart: DashboardCharts.sendsPerDay(sentDays, now: now, days: Self.chartDays, zone: site.configuration.timeZone),
            replyChart: DashboardCharts.replyTimes(delays))
    }

    /// The script line that sent it (`followup.lua:12`), else the prefix of its explicit key
    /// (`nudge-42` → `key nudge`), else "messages without a recorded line".
    static func groupName(_ record: SentRecord) -> String {
        if let position = record.position { return "line " + (position as NSString).lastPathComponent }
        if let key = record.explicitKey {
            let prefix = key.split(whereSeparator: { ":/-_#.".contains($0) }).first.map(String.init) ?? key
            return "key \(prefix.prefix(40))"
        }
        return "messages without a recorded line"
    }
}

/// Charts drawn by the server as SVG (no chart library, no script): bars with
/// their numbers as text, so a screen reader reads them too.
enum DashboardCharts {
    static func sendsPerDay(_ sent: [Date], now: Date, days: Int, zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let today = calendar.startOfDay(for: now)
        var counts = Array(repeating: 0, count: days)
        for date in sent {
            let back = calendar.dateComponents([.day], from: calendar.startOfDay(for: date), to: today).day ?? days
            if back >= 0, back < days { counts[days - 1 - back] += 1 }
        }
        let labels = (0..<days).map { offset -> String in
            let day = calendar.date(byAdding: .day, value: offset - days + 1, to: today) ?? today
            let parts = calendar.dateComponents([.month, .day], from: day)
            return String(format: "%02d-%02d", parts.month ?? 0, parts.day ?? 0)
        }
        return bars(counts.map(Double.init), labels: labels, title: "Messages sent per day", every: 5, format: { String(Int($0)) })
    }

    static func replyTimes(_ delays: [Double?]) -> String {
        let buckets: [(String, Double)] = [("< 1h", 3_600), ("1–6h", 21_600), ("6–24h", 86_400), ("1–3d", 259_200), ("3–7d", 604_800)]
        var counts = Array(repeating: 0.0, count: buckets.count + 1)
        for delay in delays {
            guard let delay else { counts[buckets.count] += 1; continue }
            counts[buckets.firstIndex { delay < $0.1 } ?? buckets.count] += 1
        }
        return bars(counts, labels: buckets.map(\.0) + ["later / none"], title: "Time to the client's answer", every: 1, format: { String(Int($0)) })
    }

    /// A bar chart: `values` over `labels` (every `every`-th label shown).
    static func bars(_ values: [Double], labels: [String], title: String, every: Int, format: (Double) -> String) -> String {
        let width = 600.0, height = 200.0, left = 10.0, bottom = 30.0, top = 20.0
        let top1 = max(values.max() ?? 0, 1)
        let slot = (width - 2 * left) / Double(max(values.count, 1))
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(DashboardSite.escape(title))\">"
        svg += "<title>\(DashboardSite.escape(title))</title>"
        for (index, value) in values.enumerated() {
            let barHeight = (height - bottom - top) * value / top1
            let x = left + Double(index) * slot + slot * 0.15, y = height - bottom - barHeight
            svg += String(format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#0b5cad\"><title>%@: %@</title></rect>",
                          x, y, slot * 0.7, barHeight, DashboardSite.escape(labels[index]), format(value))
            if value > 0 {
                svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" fill=\"#1d1d1f\">%@</text>",
                              x + slot * 0.35, y - 4, format(value))
            }
            if index % every == 0 {
                svg += String(format: "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" fill=\"#5b5b60\">%@</text>",
                              x + slot * 0.35, height - 10, DashboardSite.escape(labels[index]))
            }
        }
        return svg + "</svg>"
    }
}
