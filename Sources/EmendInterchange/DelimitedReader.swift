import EmendCore
import Foundation

/// How a delimited text file is written: what meta.xml declares, or what a bare CSV/TSV implies.
public struct TextFormat: Sendable, Equatable {
    public var delimiter: UInt8
    /// nil: no quoting at all (GBIF's tab-separated files, most DwC-A `.txt` files).
    public var quote: UInt8?
    public var encoding: String.Encoding
    public var headerLines: Int

    public init(delimiter: UInt8, quote: UInt8?, encoding: String.Encoding = .utf8, headerLines: Int) {
        self.delimiter = delimiter
        self.quote = quote
        self.encoding = encoding
        self.headerLines = headerLines
    }
}

/// Reads a delimited text file row by row in fixed-size chunks, so memory stays flat however large the file.
/// Lines end in `\n`, `\r\n` or `\r`; a quoted cell may span lines; blank lines are not rows.
public struct DelimitedReader {
    public let fileName: String
    public let format: TextFormat
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var position = 0
    private var atEnd = false
    /// The line the next row starts on (1-based).
    public private(set) var line = 1
    private var startedFile = false

    public init(url: URL, fileName: String, format: TextFormat) throws(ImportError) {
        guard let handle = try? FileHandle(forReadingFrom: url) else {
            throw ImportError(file: fileName, reason: "cannot open the file")
        }
        self.handle = handle
        self.fileName = fileName
        self.format = format
    }

    private mutating func fill() -> Bool {
        if atEnd { return false }
        if position > 0 {
            buffer.removeFirst(position)
            position = 0
        }
        let chunk = handle.readData(ofLength: 1 << 20)
        if chunk.isEmpty {
            atEnd = true
            try? handle.close()
            return false
        }
        buffer.append(contentsOf: chunk)
        if !startedFile {
            startedFile = true
            if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
        }
        return true
    }

    /// The next row's cells and the line it starts on; nil at the end of the file.
    public mutating func nextRow() throws(ImportError) -> (line: Int, cells: [String])? {
        while true {
            guard let row = try readRow() else { return nil }
            if row.cells.count == 1, row.cells[0].isEmpty { continue }
            return row
        }
    }

    private mutating func readRow() throws(ImportError) -> (line: Int, cells: [String])? {
        if position >= buffer.count, !fill() { return nil }
        let startLine = line
        var cells: [String] = []
        var cell: [UInt8] = []
        var quoted = false
        var cellStart = true
        var cellLine = startLine  // where the current cell began: a multi-line value moves it on
        while true {
            if position >= buffer.count, !fill() {
                if quoted {
                    throw ImportError(file: fileName, line: cellLine, reason: "a quoted value is never closed")
                }
                cells.append(try decode(cell, line: cellLine))
                return (startLine, cells)
            }
            let byte = buffer[position]
            if quoted {
                position += 1
                if byte == format.quote {
                    if position >= buffer.count { _ = fill() }
                    if position < buffer.count, buffer[position] == format.quote {
                        cell.append(byte)
                        position += 1
                    } else {
                        quoted = false
                    }
                } else if byte == 0x0A {
                    line += 1
                    cell.append(byte)
                } else {
                    let start = position - 1
                    while position < buffer.count, buffer[position] != format.quote, buffer[position] != 0x0A { position += 1 }
                    cell.append(contentsOf: buffer[start..<position])
                }
                continue
            }
            switch byte {
            case format.delimiter:
                position += 1
                cells.append(try decode(cell, line: cellLine))
                cell.removeAll(keepingCapacity: true)
                cellStart = true
                cellLine = line
                continue
            case 0x0A, 0x0D:
                position += 1
                if byte == 0x0D {
                    if position >= buffer.count { _ = fill() }
                    if position < buffer.count, buffer[position] == 0x0A { position += 1 }
                }
                cells.append(try decode(cell, line: cellLine))
                line += 1
                return (startLine, cells)
            case format.quote where cellStart:
                position += 1
                quoted = true
            default:
                // Copy the run of plain bytes up to the next delimiter, line end or quote at once.
                let start = position
                position += 1
                while position < buffer.count {
                    let next = buffer[position]
                    if next == format.delimiter || next == 0x0A || next == 0x0D || next == format.quote { break }
                    position += 1
                }
                cell.append(contentsOf: buffer[start..<position])
            }
            cellStart = false
        }
    }

    private func decode(_ bytes: [UInt8], line: Int) throws(ImportError) -> String {
        switch format.encoding {
        case .utf8:
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw ImportError(file: fileName, line: line, reason: "not valid UTF-8 (the declared encoding)")
            }
            return text
        case .isoLatin1:
            return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        default:
            guard let text = String(bytes: bytes, encoding: format.encoding) else {
                throw ImportError(file: fileName, line: line, reason: "not valid \(format.encoding)")
            }
            return text
        }
    }
}
