/// A day of the proleptic Gregorian calendar, and the ISO 8601 dates and intervals Darwin Core's `eventDate` holds.
public struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool {
        (a.year, a.month, a.day) < (b.year, b.month, b.day)
    }

    public var description: String {
        func pad(_ n: Int, _ width: Int) -> String {
            let digits = String(n)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
    }

    public static func isLeap(_ year: Int) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// 1 for 1 January.
    public var dayOfYear: Int {
        var n = day
        for m in 1..<month { n += Self.daysIn(month: m, year: year) }
        return n
    }

    /// The UTC day of a time given in milliseconds since 1970-01-01T00:00:00Z.
    public init(epochMilliseconds ms: Int64) {
        let c = Timestamp(milliseconds: ms).components
        self.init(year: Int(c.year), month: Int(c.month), day: Int(c.day))
    }
}

/// How finely a date is given.
public enum DatePrecision: Int, Sendable, Comparable {
    case year = 0, month, day

    public static func < (a: DatePrecision, b: DatePrecision) -> Bool { a.rawValue < b.rawValue }
}

/// An `eventDate` read as ISO 8601: a date (`1963`, `1963-03`, `1963-03-08`, `1963-067`, `19630308`), optionally with
/// a time and zone (`T14`, `T14:07`, `T14:07:30.5`, `Z`, `-06`, `-0600`, `-06:00`), or an interval `start/end` whose end
/// may leave out leading parts it shares with the start (`1949-01-15/20`). The interval is read by days: times are
/// checked for form and range, not used.
public struct EventDateInterval: Sendable, Hashable {
    public var start: CivilDate
    public var end: CivilDate
    public var startPrecision: DatePrecision
    public var endPrecision: DatePrecision

    /// True when both ends are whole days (`1981-01-01`, `1981-01-01/1981-12-31`), not months or years.
    public var isDayPrecise: Bool { startPrecision == .day && endPrecision == .day }

    /// nil unless `text` is a valid ISO 8601 date, date-time or interval of them.
    public static func parse(_ text: String) -> EventDateInterval? {
        if let quick = parseSimple(text) { return quick }
        var bytes = Array(text.utf8)
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes.removeLast() }
        var first = 0
        while first < bytes.count, bytes[first] == 0x20 || bytes[first] == 0x09 { first += 1 }
        let trimmed = bytes[first...]
        guard !trimmed.isEmpty else { return nil }
        if let slash = trimmed.firstIndex(of: 0x2F) {
            let left = trimmed[trimmed.startIndex..<slash], right = trimmed[(slash + 1)...]
            guard let a = point(left, template: nil) else { return nil }
            guard let b = point(right, template: a) else { return nil }
            let start = a.first, end = b.last
            guard start <= end else { return nil }
            return EventDateInterval(start: start, end: end, startPrecision: a.precision, endPrecision: b.precision)
        }
        guard let p = point(trimmed, template: nil) else { return nil }
        return EventDateInterval(start: p.first, end: p.last, startPrecision: p.precision, endPrecision: p.precision)
    }

    /// `YYYY`, `YYYY-MM` and `YYYY-MM-DD`, the forms most records use, read without allocating.
    private static func parseSimple(_ text: String) -> EventDateInterval? {
        let utf8 = text.utf8
        let count = utf8.count
        guard count == 4 || count == 7 || count == 10 else { return nil }
        var values = (0, 0, 0), field = 0, width = 0
        for b in utf8 {
            if b == 0x2D {
                guard (field == 0 && width == 4) || (field == 1 && width == 2) else { return nil }
                field += 1
                width = 0
                continue
            }
            guard b >= 0x30, b <= 0x39 else { return nil }
            let digit = Int(b - 0x30)
            switch field {
            case 0: values.0 = values.0 * 10 + digit
            case 1: values.1 = values.1 * 10 + digit
            default: values.2 = values.2 * 10 + digit
            }
            width += 1
        }
        let (y, m, d) = values
        switch (count, field) {
        case (4, 0):
            return EventDateInterval(
                start: CivilDate(year: y, month: 1, day: 1), end: CivilDate(year: y, month: 12, day: 31),
                startPrecision: .year, endPrecision: .year)
        case (7, 1) where width == 2 && (1...12).contains(m):
            return EventDateInterval(
                start: CivilDate(year: y, month: m, day: 1), end: CivilDate(year: y, month: m, day: CivilDate.daysIn(month: m, year: y)),
                startPrecision: .month, endPrecision: .month)
        case (10, 2) where width == 2 && (1...12).contains(m) && d >= 1 && d <= CivilDate.daysIn(month: m, year: y):
            let day = CivilDate(year: y, month: m, day: d)
            return EventDateInterval(start: day, end: day, startPrecision: .day, endPrecision: .day)
        default:
            return nil
        }
    }

    private struct Point {
        var year: Int
        var month: Int?
        var day: Int?
        var precision: DatePrecision { day != nil ? .day : month != nil ? .month : .year }
        var first: CivilDate { CivilDate(year: year, month: month ?? 1, day: day ?? 1) }
        var last: CivilDate {
            let m = month ?? 12
            return CivilDate(year: year, month: m, day: day ?? CivilDate.daysIn(month: m, year: year))
        }
    }

    /// One end of an interval. With a `template` (the start), an end written with fewer date parts takes the missing
    /// leading parts from it: `20` is a day, `02-03` a month and day.
    private static func point(_ text: ArraySlice<UInt8>, template: Point?) -> Point? {
        var datePart = text, timePart: ArraySlice<UInt8>? = nil
        if let t = text.firstIndex(where: { $0 == 0x54 || $0 == 0x74 }) {  // T
            datePart = text[text.startIndex..<t]
            timePart = text[(t + 1)...]
        }
        guard let date = self.date(datePart, template: template) else { return nil }
        if let timePart, !validTime(timePart) { return nil }
        if timePart != nil, date.day == nil { return nil }
        return date
    }

    private static func digits(_ s: ArraySlice<UInt8>) -> Int? {
        guard !s.isEmpty, s.count <= 9 else { return nil }
        var n = 0
        for b in s {
            guard b >= 0x30, b <= 0x39 else { return nil }
            n = n * 10 + Int(b - 0x30)
        }
        return n
    }

    private static func date(_ s: ArraySlice<UInt8>, template: Point?) -> Point? {
        let parts = s.split(separator: 0x2D, omittingEmptySubsequences: false)  // -
        guard parts.allSatisfy({ !$0.isEmpty }) else { return nil }
        var result: Point
        switch parts.count {
        case 1 where parts[0].count == 4:
            guard let y = digits(parts[0]) else { return nil }
            result = Point(year: y)
        case 1 where parts[0].count == 8:  // basic format YYYYMMDD
            let p = parts[0], i = p.startIndex
            guard let y = digits(p[i..<i + 4]), let m = digits(p[i + 4..<i + 6]), let d = digits(p[i + 6..<i + 8]) else { return nil }
            result = Point(year: y, month: m, day: d)
        case 1 where parts[0].count == 2 && template != nil:  // abbreviated end: day, or month of a month-precise start
            guard let template, let n = digits(parts[0]) else { return nil }
            if template.day != nil {
                result = Point(year: template.year, month: template.month, day: n)
            } else if template.month != nil {
                result = Point(year: template.year, month: n)
            } else {
                return nil
            }
        case 2 where parts[0].count == 4 && parts[1].count == 2:
            guard let y = digits(parts[0]), let m = digits(parts[1]) else { return nil }
            result = Point(year: y, month: m)
        case 2 where parts[0].count == 4 && parts[1].count == 3:  // ordinal date YYYY-DDD
            guard let y = digits(parts[0]), let n = digits(parts[1]), n >= 1, n <= (CivilDate.isLeap(y) ? 366 : 365)
            else { return nil }
            var m = 1, rest = n
            while rest > CivilDate.daysIn(month: m, year: y) {
                rest -= CivilDate.daysIn(month: m, year: y)
                m += 1
            }
            result = Point(year: y, month: m, day: rest)
        case 2 where parts[0].count == 2 && parts[1].count == 2 && template?.day != nil:  // abbreviated end MM-DD
            guard let template, let m = digits(parts[0]), let d = digits(parts[1]) else { return nil }
            result = Point(year: template.year, month: m, day: d)
        case 3 where parts[0].count == 4 && parts[1].count == 2 && parts[2].count == 2:
            guard let y = digits(parts[0]), let m = digits(parts[1]), let d = digits(parts[2]) else { return nil }
            result = Point(year: y, month: m, day: d)
        default:
            return nil
        }
        if let m = result.month, !(1...12).contains(m) { return nil }
        if let d = result.day, !(1...CivilDate.daysIn(month: result.month ?? 1, year: result.year)).contains(d) { return nil }
        return result
    }

    /// `hh`, `hh:mm`, `hh:mm:ss`, `hhmm`, `hhmmss`, seconds with a fraction, then an optional `Z`, `±hh`, `±hhmm` or
    /// `±hh:mm`.
    private static func validTime(_ s: ArraySlice<UInt8>) -> Bool {
        var clock = s, zone: ArraySlice<UInt8>? = nil
        if let z = s.firstIndex(where: { $0 == 0x5A || $0 == 0x7A || $0 == 0x2B || $0 == 0x2D }) {  // Z z + -
            clock = s[s.startIndex..<z]
            zone = s[z...]
        }
        if let zone {
            if zone.count == 1 {
                guard zone.first == 0x5A || zone.first == 0x7A else { return false }
            } else {
                guard zone.first == 0x2B || zone.first == 0x2D else { return false }
                let body = zone.dropFirst()
                let fields = body.split(separator: 0x3A, omittingEmptySubsequences: false)
                let hh: Int?, mm: Int?
                if fields.count == 2, fields[0].count == 2, fields[1].count == 2 {
                    hh = digits(fields[0]); mm = digits(fields[1])
                } else if fields.count == 1, body.count == 4 {
                    hh = digits(body.prefix(2)); mm = digits(body.suffix(2))
                } else if fields.count == 1, body.count == 2 {
                    hh = digits(body); mm = 0
                } else {
                    return false
                }
                guard let hh, let mm, hh <= 14, mm <= 59 else { return false }
            }
        }
        var fraction: ArraySlice<UInt8>? = nil
        if let dot = clock.firstIndex(where: { $0 == 0x2E || $0 == 0x2C }) {
            fraction = clock[(dot + 1)...]
            clock = clock[clock.startIndex..<dot]
            guard let fraction, digits(fraction.prefix(9)) != nil else { return false }
        }
        var fields = clock.split(separator: 0x3A, omittingEmptySubsequences: false).map { $0 }
        if fields.count == 1, clock.count == 4 || clock.count == 6 {  // basic hhmm, hhmmss
            let c = clock, i = c.startIndex
            fields = stride(from: 0, to: c.count, by: 2).map { c[(i + $0)..<(i + $0 + 2)] }
        }
        guard (1...3).contains(fields.count), fields.allSatisfy({ $0.count == 2 }) else { return false }
        if fraction != nil, fields.count != 3 { return false }
        let values = fields.compactMap { digits($0) }
        guard values.count == fields.count else { return false }
        if values[0] > 24 { return false }
        if values.count > 1, values[1] > 59 { return false }
        if values.count > 2, values[2] > 60 { return false }
        if values[0] == 24, values.dropFirst().contains(where: { $0 != 0 }) { return false }
        return true
    }
}
