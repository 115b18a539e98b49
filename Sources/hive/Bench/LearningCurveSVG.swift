import Foundation

/// A small line chart as standalone SVG (no scripts, no external resources).
struct LearningCurveSVG {
    var title: String
    var series: [(String, [Double])]

    func render() -> String {
        let width = 900.0, height = 480.0, left = 60.0, right = 300.0, top = 40.0, bottom = 50.0
        let plotW = width - left - right, plotH = height - top - bottom
        let rounds = max(2, series.map(\.1.count).max() ?? 2)
        let maxY = max(0.1, (series.flatMap(\.1).max() ?? 1) * 1.1)
        let palette = ["#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#6a4c93", "#00798c", "#8d6a9f", "#c35214", "#3d405b", "#81b29a"]
        func x(_ i: Int) -> Double { left + plotW * Double(i) / Double(rounds - 1) }
        func y(_ v: Double) -> Double { top + plotH * (1 - v / maxY) }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(left)" y="24" font-size="16">\(escape(title))</text>
            <line x1="\(left)" y1="\(top + plotH)" x2="\(left + plotW)" y2="\(top + plotH)" stroke="#333"/>
            <line x1="\(left)" y1="\(top)" x2="\(left)" y2="\(top + plotH)" stroke="#333"/>
            <text x="\(left + plotW / 2)" y="\(height - 12)" text-anchor="middle">round</text>

            """
        for tick in 0...5 {
            let v = maxY * Double(tick) / 5
            svg += "<text x=\"\(left - 8)\" y=\"\(y(v) + 4)\" text-anchor=\"end\">\(String(format: "%.2f", v))</text>"
            svg += "<line x1=\"\(left)\" y1=\"\(y(v))\" x2=\"\(left + plotW)\" y2=\"\(y(v))\" stroke=\"#eee\"/>\n"
        }
        for (index, (name, values)) in series.enumerated() where !values.isEmpty {
            let color = palette[index % palette.count]
            let points = values.enumerated().map { "\(x($0.offset)),\(y($0.element))" }.joined(separator: " ")
            svg += "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points)\"/>\n"
            let ly = top + 16 * Double(index)
            svg += "<rect x=\"\(left + plotW + 16)\" y=\"\(ly - 9)\" width=\"12\" height=\"3\" fill=\"\(color)\"/>"
            svg += "<text x=\"\(left + plotW + 34)\" y=\"\(ly)\">\(escape(name)) \(String(format: "%.3f", values.last!))</text>\n"
        }
        return svg + "</svg>\n"
    }

    func write(to path: String) throws {
        try render().write(toFile: path, atomically: true, encoding: .utf8)
    }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
