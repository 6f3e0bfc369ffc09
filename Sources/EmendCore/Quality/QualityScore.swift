/// Scores the quality checks against records with known, injected errors, such as those of
/// `gen_specimens.py --truth` (`catalogNumber,error` with the errors `swapped_latlon`, `zero_coords`,
/// `country_mismatch`, `future_date`). Pure: the caller reads the files, runs the checks, and times them.
///
/// ```swift
/// var score = QualityScore()
/// for fields in records {
///     score.add(flags: QualityChecks.check(RecordTerms(fields), now: now), errors: truth[fields["catalogNumber"] ?? ""] ?? [])
/// }
/// print(score.report())
/// ```
public struct QualityScore: Sendable, Equatable {
    /// True and false positives and false negatives of one kind of error.
    public struct Counts: Sendable, Equatable {
        public var truePositives = 0
        public var falsePositives = 0
        public var falseNegatives = 0

        public init() {}

        /// Of the records flagged, the share that had the error (1 when none was flagged).
        public var precision: Double {
            truePositives + falsePositives == 0 ? 1 : Double(truePositives) / Double(truePositives + falsePositives)
        }
        /// Of the records with the error, the share flagged (1 when none had it).
        public var recall: Double {
            truePositives + falseNegatives == 0 ? 1 : Double(truePositives) / Double(truePositives + falseNegatives)
        }
    }

    /// The generator's error names and the flag codes that detect each.
    public static let detectors: [(error: String, codes: Set<QualityCode>)] = [
        ("swapped_latlon", [.presumedSwappedCoordinate]),
        ("zero_coords", [.zeroCoordinate]),
        ("country_mismatch", [.countryCoordinateMismatch]),
        ("future_date", [.recordedDateUnlikely]),
    ]

    public private(set) var records = 0
    public private(set) var counts: [String: Counts] = [:]
    /// How many records had each flag code.
    public private(set) var flagged: [QualityCode: Int] = [:]

    public init() {}

    /// One record's flags, and the errors injected into it (none, or e.g. `["zero_coords", "future_date"]`).
    public mutating func add(flags: [QualityFlag], errors: Set<String>) {
        records += 1
        let codes = Set(flags.map(\.code))
        for code in codes { flagged[code, default: 0] += 1 }
        for (error, detecting) in Self.detectors {
            let detected = !codes.isDisjoint(with: detecting), actual = errors.contains(error)
            switch (detected, actual) {
            case (true, true): counts[error, default: Counts()].truePositives += 1
            case (true, false): counts[error, default: Counts()].falsePositives += 1
            case (false, true): counts[error, default: Counts()].falseNegatives += 1
            case (false, false): break
            }
        }
    }

    /// One line per kind of error: counts, precision and recall; then how many records had each flag.
    public func report() -> String {
        func percent(_ x: Double) -> String {
            let tenths = Int((x * 1000).rounded())
            return "\(tenths / 10).\(tenths % 10)%"
        }
        var lines = ["\(records) records"]
        for (error, codes) in Self.detectors {
            let c = counts[error] ?? Counts()
            lines.append(
                "\(error) (\(codes.map(\.rawValue).sorted().joined(separator: ", "))): TP \(c.truePositives), "
                    + "FP \(c.falsePositives), FN \(c.falseNegatives), precision \(percent(c.precision)), recall \(percent(c.recall))")
        }
        for code in QualityCode.allCases where flagged[code] != nil {
            lines.append("  \(code.rawValue): \(flagged[code]!)")
        }
        return lines.joined(separator: "\n")
    }
}
