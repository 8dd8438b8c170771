/// `/results`: per message a script sends, how many went out and how soon clients answered.
struct ResultsPage: DashboardPage {
    static let template = "results"
    var frame: PageFrame
    var days: Int
    var chartDays: Int
    var groups: [Group]
    var groupsShown: Bool
    /// SVG drawn by the server (`DashboardCharts`), written unescaped.
    var sendsChart: String
    var replyChart: String

    struct Group: Sendable {
        var script: String
        var name: String
        var sent: Int
        var day1: String
        var day3: String
        var day7: String
        var median: String
    }
}
