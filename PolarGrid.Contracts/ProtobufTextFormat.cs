using System.Collections;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Unicode;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace PolarGrid.Contracts;

/// <summary>
/// Reads and writes the protobuf text format (the syntax of Triton's <c>config.pbtxt</c>) for any
/// generated message type, driven entirely by its descriptor.
/// </summary>
/// <remarks>
/// Parsing accepts the dialect of C++ <c>google::protobuf::TextFormat</c>, which is what Triton
/// itself uses, so a file Triton accepts parses here too; it is equally strict about unknown fields,
/// type mismatches and repeated non-repeated fields, because silently ignoring a typo in a model
/// configuration yields a model that behaves differently from what its author wrote.
/// Formatting is canonical and deterministic, and its output always parses back to an equal message.
/// </remarks>
public static class ProtobufTextFormat
{
    /// <summary>Parses <paramref name="text"/> into a new <typeparamref name="T"/>.</summary>
    /// <exception cref="TextFormatException">The text is not a valid <typeparamref name="T"/>.</exception>
    public static T Parse<T>(string text) where T : IMessage<T>, new() => Parse<T>(text, sourceName: null);

    /// <summary>
    /// Parses <paramref name="text"/> into a new <typeparamref name="T"/>, naming
    /// <paramref name="sourceName"/> (typically a file path) in error messages.
    /// </summary>
    /// <exception cref="TextFormatException">The text is not a valid <typeparamref name="T"/>.</exception>
    public static T Parse<T>(string text, string? sourceName) where T : IMessage<T>, new()
    {
        ArgumentNullException.ThrowIfNull(text);
        var message = new T();
        new Parser(text, sourceName).ParseInto(message);
        return message;
    }

    /// <summary>Parses <paramref name="text"/> into a new message of the type <paramref name="descriptor"/> describes.</summary>
    /// <exception cref="TextFormatException">The text is not a valid message of that type.</exception>
    public static IMessage Parse(string text, MessageDescriptor descriptor) => Parse(text, descriptor, sourceName: null);

    /// <summary>
    /// Parses <paramref name="text"/> into a new message of the type <paramref name="descriptor"/> describes,
    /// naming <paramref name="sourceName"/> (typically a file path) in error messages.
    /// </summary>
    /// <exception cref="TextFormatException">The text is not a valid message of that type.</exception>
    public static IMessage Parse(string text, MessageDescriptor descriptor, string? sourceName)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(descriptor);
        if (descriptor.Parser is null)
        {
            throw new ArgumentException($"{descriptor.FullName} has no generated message type.", nameof(descriptor));
        }

        IMessage message = CreateMessage(descriptor);
        new Parser(text, sourceName).ParseInto(message);
        return message;
    }

    /// <summary>
    /// Writes <paramref name="message"/> in canonical text format: fields in declaration order, two-space
    /// indentation, one line per scalar value, map entries sorted by key, and proto3 fields without
    /// presence omitted while they hold their default value.
    /// </summary>
    public static string Format(IMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var writer = new Writer();
        writer.WriteFields(message);
        return writer.ToString();
    }

    // MessageParser.CreateTemplate is internal; parsing empty input is the public way to get a fresh instance.
    private static IMessage CreateMessage(MessageDescriptor descriptor) =>
        descriptor.Parser.ParseFrom(ReadOnlySpan<byte>.Empty);

    private static bool IsMessage(FieldDescriptor field) => field.FieldType is FieldType.Message or FieldType.Group;

    private static string Describe(FieldDescriptor field)
    {
        string type = field.IsMap ? "map"
            : IsMessage(field) ? field.MessageType.FullName
            : field.FieldType == FieldType.Enum ? field.EnumType.FullName
            : field.FieldType.ToString().ToLowerInvariant();
        return $"{type} field '{field.Name}'";
    }

    private enum TokenKind
    {
        Identifier,
        Integer,
        Float,
        String,
        Symbol,
        EndOfInput,
    }

    /// <param name="Text">The token exactly as written in the source, quotes included for strings.</param>
    /// <param name="StringValue">For string tokens, the bytes the literal denotes once escapes are decoded.</param>
    private readonly record struct Token(TokenKind Kind, string Text, int Line, int Column, ReadOnlyMemory<byte> StringValue = default)
    {
        public bool IsSymbol(char symbol) => Kind == TokenKind.Symbol && Text[0] == symbol;

        public override string ToString() => Kind switch
        {
            TokenKind.EndOfInput => "end of input",
            TokenKind.String => Text,
            _ => $"'{Text}'",
        };
    }

    /// <summary>Splits text into tokens using the lexical rules of protobuf's C++ tokenizer.</summary>
    private sealed class Tokenizer(string text, string? sourceName)
    {
        private int position;
        private int line = 1;
        private int column = 1;

        private bool AtEnd => position == text.Length;

        private char Current => AtEnd ? '\0' : text[position];

        public Token Next()
        {
            SkipWhitespaceAndComments();
            if (AtEnd)
            {
                return new Token(TokenKind.EndOfInput, "", line, column);
            }

            int start = position;
            int startLine = line;
            int startColumn = column;
            TokenKind kind;
            ReadOnlyMemory<byte> stringValue = default;
            if (IsIdentifierStart(Current))
            {
                AdvanceWhile(IsIdentifierPart);
                kind = TokenKind.Identifier;
            }
            else if (char.IsAsciiDigit(Current) || (Current == '.' && char.IsAsciiDigit(PeekNext())))
            {
                kind = ReadNumber(startLine, startColumn);
            }
            else if (Current is '"' or '\'')
            {
                stringValue = ReadString(startLine, startColumn);
                kind = TokenKind.String;
            }
            else
            {
                Advance();
                kind = TokenKind.Symbol;
            }

            return new Token(kind, text[start..position], startLine, startColumn, stringValue);
        }

        private static bool IsIdentifierStart(char c) => char.IsAsciiLetter(c) || c == '_';

        private static bool IsIdentifierPart(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

        private static bool IsOctalDigit(char c) => c is >= '0' and <= '7';

        private char PeekNext() => position + 1 < text.Length ? text[position + 1] : '\0';

        private void Advance(int count = 1)
        {
            for (int i = 0; i < count; i++)
            {
                if (text[position] == '\n')
                {
                    line++;
                    column = 1;
                }
                else
                {
                    column++;
                }

                position++;
            }
        }

        private void AdvanceWhile(Func<char, bool> predicate)
        {
            while (!AtEnd && predicate(Current))
            {
                Advance();
            }
        }

        private void SkipWhitespaceAndComments()
        {
            while (!AtEnd)
            {
                if (Current == '#')
                {
                    AdvanceWhile(c => c != '\n');
                }
                else if (Current is ' ' or '\t' or '\n' or '\r' or '\v' or '\f')
                {
                    Advance();
                }
                else
                {
                    return;
                }
            }
        }

        private TokenKind ReadNumber(int startLine, int startColumn)
        {
            bool isFloat = false;
            if (Current == '0' && PeekNext() is 'x' or 'X')
            {
                Advance(2);
                if (!char.IsAsciiHexDigit(Current))
                {
                    throw Error(startLine, startColumn, "'0x' must be followed by hexadecimal digits");
                }

                AdvanceWhile(char.IsAsciiHexDigit);
            }
            else if (Current == '0' && char.IsAsciiDigit(PeekNext()))
            {
                int digitsStart = position;
                AdvanceWhile(char.IsAsciiDigit);
                if (text.AsSpan(digitsStart, position - digitsStart).ContainsAnyExcept("01234567"))
                {
                    throw Error(startLine, startColumn, "a number with a leading zero is octal and may only contain the digits 0-7");
                }
            }
            else
            {
                AdvanceWhile(char.IsAsciiDigit);
                if (Current == '.')
                {
                    isFloat = true;
                    Advance();
                    AdvanceWhile(char.IsAsciiDigit);
                }

                if (Current is 'e' or 'E')
                {
                    isFloat = true;
                    Advance();
                    if (Current is '+' or '-')
                    {
                        Advance();
                    }

                    if (!char.IsAsciiDigit(Current))
                    {
                        throw Error(line, column, "an exponent must be followed by digits");
                    }

                    AdvanceWhile(char.IsAsciiDigit);
                }

                if (Current is 'f' or 'F')
                {
                    isFloat = true;
                    Advance();
                }
            }

            if (IsIdentifierPart(Current))
            {
                throw Error(line, column, "a number must be separated from the name that follows it by whitespace");
            }

            return isFloat ? TokenKind.Float : TokenKind.Integer;
        }

        private byte[] ReadString(int startLine, int startColumn)
        {
            char quote = Current;
            Advance();
            var bytes = new List<byte>();
            while (true)
            {
                if (AtEnd || Current == '\n')
                {
                    throw Error(startLine, startColumn, $"string literal is missing its closing {quote}");
                }

                if (Current == quote)
                {
                    Advance();
                    return [.. bytes];
                }

                if (Current == '\\')
                {
                    ReadEscape(bytes);
                }
                else
                {
                    // A lone surrogate cannot come from a decoded file; it decodes to U+FFFD like any invalid UTF-16.
                    Rune.DecodeFromUtf16(text.AsSpan(position), out Rune rune, out int charsConsumed);
                    AppendUtf8(bytes, rune);
                    Advance(charsConsumed);
                }
            }
        }

        private void ReadEscape(List<byte> bytes)
        {
            int escapeStart = position;
            int escapeLine = line;
            int escapeColumn = column;
            Advance();
            if (AtEnd || Current == '\n')
            {
                throw Error(escapeLine, escapeColumn, "a backslash must be followed by an escape character");
            }

            char kind = Current;
            Advance();
            byte? simple = kind switch
            {
                'a' => 0x07,
                'b' => 0x08,
                'f' => 0x0C,
                'n' => 0x0A,
                'r' => 0x0D,
                't' => 0x09,
                'v' => 0x0B,
                '\\' or '\'' or '"' or '?' => (byte)kind,
                _ => null,
            };
            if (simple is { } value)
            {
                bytes.Add(value);
                return;
            }

            switch (kind)
            {
                case >= '0' and <= '7':
                    int octal = kind - '0';
                    for (int digits = 1; digits < 3 && IsOctalDigit(Current); digits++)
                    {
                        octal = (octal * 8) + (Current - '0');
                        Advance();
                    }

                    if (octal > byte.MaxValue)
                    {
                        throw Error(escapeLine, escapeColumn, $"octal escape '{text[escapeStart..position]}' exceeds one byte (the maximum is \\377)");
                    }

                    bytes.Add((byte)octal);
                    break;
                case 'x' or 'X':
                    (long hex, int hexDigits) = ReadHexDigits(maxDigits: 2);
                    if (hexDigits == 0)
                    {
                        throw Error(escapeLine, escapeColumn, "'\\x' must be followed by one or two hexadecimal digits");
                    }

                    bytes.Add((byte)hex);
                    break;
                case 'u' or 'U':
                    AppendUtf8(bytes, ReadUnicodeEscape(kind == 'u' ? 4 : 8, escapeStart, escapeLine, escapeColumn));
                    break;
                default:
                    throw Error(escapeLine, escapeColumn, $"unknown escape sequence '\\{kind}'");
            }
        }

        private Rune ReadUnicodeEscape(int digitCount, int escapeStart, int escapeLine, int escapeColumn)
        {
            long codePoint = ReadExactHexDigits(digitCount, escapeLine, escapeColumn);

            // Characters outside the Basic Multilingual Plane are often written as a UTF-16 surrogate pair.
            if (codePoint is >= 0xD800 and <= 0xDBFF && text.AsSpan(position).StartsWith("\\u"))
            {
                int lowLine = line;
                int lowColumn = column;
                Advance(2);
                long low = ReadExactHexDigits(4, lowLine, lowColumn);
                if (low is >= 0xDC00 and <= 0xDFFF)
                {
                    return new Rune((char)codePoint, (char)low);
                }
            }

            if (codePoint > 0x10FFFF || !Rune.IsValid((int)codePoint))
            {
                throw Error(escapeLine, escapeColumn, $"'{text[escapeStart..position]}' is not a Unicode character (unpaired surrogate or beyond U+10FFFF)");
            }

            return new Rune((int)codePoint);
        }

        private long ReadExactHexDigits(int digitCount, int escapeLine, int escapeColumn)
        {
            (long value, int digits) = ReadHexDigits(digitCount);
            if (digits != digitCount)
            {
                throw Error(escapeLine, escapeColumn, $"a Unicode escape needs exactly {digitCount} hexadecimal digits");
            }

            return value;
        }

        private (long Value, int Digits) ReadHexDigits(int maxDigits)
        {
            long value = 0;
            int digits = 0;
            while (digits < maxDigits && char.IsAsciiHexDigit(Current))
            {
                value = (value * 16) + HexDigitValue(Current);
                digits++;
                Advance();
            }

            return (value, digits);
        }

        private static int HexDigitValue(char hexDigit) =>
            char.IsAsciiDigit(hexDigit) ? hexDigit - '0' : char.ToLowerInvariant(hexDigit) - 'a' + 10;

        private static void AppendUtf8(List<byte> bytes, Rune rune)
        {
            Span<byte> encoded = stackalloc byte[4];
            int length = rune.EncodeToUtf8(encoded);
            bytes.AddRange(encoded[..length]);
        }

        private TextFormatException Error(int errorLine, int errorColumn, string reason) =>
            new(reason, errorLine, errorColumn, sourceName);
    }

    /// <summary>Receives parsed field values, so map entries, which have no generated type, share the field grammar of messages.</summary>
    private interface IFieldSink
    {
        void Accept(FieldDescriptor field, object value);
    }

    private readonly record struct MapEntry(object Key, object Value);

    private sealed class MessageSink(IMessage message) : IFieldSink
    {
        public void Accept(FieldDescriptor field, object value)
        {
            if (field.IsMap)
            {
                var entry = (MapEntry)value;
                ((IDictionary)field.Accessor.GetValue(message))[entry.Key] = entry.Value;
            }
            else if (field.IsRepeated)
            {
                ((IList)field.Accessor.GetValue(message)).Add(value);
            }
            else
            {
                field.Accessor.SetValue(message, value);
            }
        }
    }

    private sealed class MapEntrySink(MessageDescriptor entryType) : IFieldSink
    {
        // Map entry messages always declare the key as field 1 and the value as field 2.
        private readonly FieldDescriptor keyField = entryType.FindFieldByNumber(1);
        private readonly FieldDescriptor valueField = entryType.FindFieldByNumber(2);
        private object? key;
        private object? value;

        public void Accept(FieldDescriptor field, object fieldValue)
        {
            if (field == keyField)
            {
                key = fieldValue;
            }
            else
            {
                value = fieldValue;
            }
        }

        // As in C++ TextFormat, an entry that omits its key or value gets that type's default.
        public MapEntry ToEntry() => new(key ?? DefaultValue(keyField), value ?? DefaultValue(valueField));

        private static object DefaultValue(FieldDescriptor field) => field.FieldType switch
        {
            FieldType.Message or FieldType.Group => CreateMessage(field.MessageType),
            FieldType.Enum => Enum.ToObject(field.EnumType.ClrType, 0),
            FieldType.String => "",
            FieldType.Bytes => ByteString.Empty,
            FieldType.Bool => false,
            FieldType.Float => 0f,
            FieldType.Double => 0d,
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => 0,
            FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => 0L,
            FieldType.UInt32 or FieldType.Fixed32 => 0u,
            FieldType.UInt64 or FieldType.Fixed64 => 0ul,
            _ => throw new ArgumentOutOfRangeException(nameof(field), field.FieldType, "Unsupported field type."),
        };
    }

    /// <summary>A recursive-descent parser over <see cref="Tokenizer"/> that populates messages through reflection.</summary>
    private sealed class Parser
    {
        private readonly Tokenizer tokenizer;
        private readonly string? sourceName;
        private Token current;

        public Parser(string text, string? sourceName)
        {
            tokenizer = new Tokenizer(text, sourceName);
            this.sourceName = sourceName;
            current = tokenizer.Next();
        }

        public void ParseInto(IMessage message)
        {
            var sink = new MessageSink(message);
            var seenFields = new HashSet<FieldDescriptor>();
            while (current.Kind != TokenKind.EndOfInput)
            {
                ParseField(message.Descriptor, sink, seenFields);
            }
        }

        private void ParseField(MessageDescriptor descriptor, IFieldSink sink, HashSet<FieldDescriptor> seenFields)
        {
            Token name = current;
            if (name.IsSymbol('['))
            {
                throw Error(name, "extension and Any fields ('[...]') are not supported");
            }

            if (name.Kind != TokenKind.Identifier)
            {
                throw Error(name, $"expected a field name, found {name}");
            }

            Advance();
            FieldDescriptor field = descriptor.FindFieldByName(name.Text)
                ?? throw Error(name, $"unknown field '{name.Text}' in {descriptor.FullName}");
            if (!field.IsRepeated && !seenFields.Add(field))
            {
                throw Error(name, $"non-repeated field '{field.Name}' is specified multiple times");
            }

            if (field.RealContainingOneof is { } oneof
                && seenFields.FirstOrDefault(other => other != field && other.RealContainingOneof == oneof) is { } rival)
            {
                throw Error(name, $"field '{field.Name}' cannot be set together with '{rival.Name}': both belong to oneof '{oneof.Name}'");
            }

            // The colon is optional before a message value but required before a scalar, as in C++ TextFormat.
            if (!TryConsume(':') && !IsMessage(field))
            {
                throw Error(current, $"expected ':' after field name '{field.Name}', found {current}");
            }

            if (current.IsSymbol('[') && !field.IsRepeated)
            {
                throw Error(current, $"{Describe(field)} is not repeated, so it cannot take a list");
            }

            if (TryConsume('['))
            {
                ParseListElements(field, sink);
            }
            else
            {
                sink.Accept(field, ParseValue(field));
            }

            _ = TryConsume(';') || TryConsume(',');
        }

        private void ParseListElements(FieldDescriptor field, IFieldSink sink)
        {
            if (TryConsume(']'))
            {
                return;
            }

            do
            {
                sink.Accept(field, ParseValue(field));
            }
            while (TryConsume(','));

            if (!TryConsume(']'))
            {
                throw Error(current, $"expected ',' or ']' in the list of {Describe(field)}, found {current}");
            }
        }

        private object ParseValue(FieldDescriptor field) => field.FieldType switch
        {
            FieldType.Message or FieldType.Group when field.IsMap => ParseMapEntry(field),
            FieldType.Message or FieldType.Group => ParseMessage(field),
            FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => ParseInteger<int>(field),
            FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => ParseInteger<long>(field),
            FieldType.UInt32 or FieldType.Fixed32 => ParseInteger<uint>(field),
            FieldType.UInt64 or FieldType.Fixed64 => ParseInteger<ulong>(field),
            FieldType.Float => ParseFloatingPoint<float>(field),
            FieldType.Double => ParseFloatingPoint<double>(field),
            FieldType.Bool => ParseBool(field),
            FieldType.String => ParseString(field),
            FieldType.Bytes => ByteString.CopyFrom(ParseStringBytes(field)),
            FieldType.Enum => ParseEnum(field),
            _ => throw new ArgumentOutOfRangeException(nameof(field), field.FieldType, "Unsupported field type."),
        };

        private IMessage ParseMessage(FieldDescriptor field)
        {
            IMessage message = CreateMessage(field.MessageType);
            ParseDelimitedFields(field, new MessageSink(message));
            return message;
        }

        private MapEntry ParseMapEntry(FieldDescriptor field)
        {
            var entry = new MapEntrySink(field.MessageType);
            ParseDelimitedFields(field, entry);
            return entry.ToEntry();
        }

        private void ParseDelimitedFields(FieldDescriptor field, IFieldSink sink)
        {
            Token opener = current;
            char closer = TryConsume('{') ? '}'
                : TryConsume('<') ? '>'
                : throw Error(current, $"expected '{{' or '<' to open {Describe(field)}, found {current}");
            var seenFields = new HashSet<FieldDescriptor>();
            while (!TryConsume(closer))
            {
                if (current.Kind == TokenKind.EndOfInput)
                {
                    throw Error(current, $"missing '{closer}' to close field '{field.Name}' opened at {opener.Line}:{opener.Column}");
                }

                ParseField(field.MessageType, sink, seenFields);
            }
        }

        private T ParseInteger<T>(FieldDescriptor field) where T : IBinaryInteger<T>, IMinMaxValue<T>
        {
            Token start = current;
            bool negative = TryConsume('-');
            Token digits = current;
            if (digits.Kind != TokenKind.Integer)
            {
                throw Error(digits, $"expected an integer for {Describe(field)}, found {digits}");
            }

            Advance();
            if (TryParseMagnitude(digits.Text, out ulong magnitude))
            {
                Int128 value = negative ? -(Int128)magnitude : magnitude;
                if (value >= Int128.CreateTruncating(T.MinValue) && value <= Int128.CreateTruncating(T.MaxValue))
                {
                    return T.CreateTruncating(value);
                }
            }

            throw Error(start, $"{(negative ? "-" : "")}{digits.Text} is out of range for {Describe(field)}");
        }

        private static bool TryParseMagnitude(string digits, out ulong magnitude)
        {
            if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                return ulong.TryParse(digits.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out magnitude);
            }

            if (IsOctal(digits))
            {
                magnitude = 0;
                foreach (char digit in digits)
                {
                    if (magnitude > ulong.MaxValue / 8)
                    {
                        return false;
                    }

                    magnitude = (magnitude * 8) + (ulong)(digit - '0');
                }

                return true;
            }

            return ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out magnitude);
        }

        private static bool IsOctal(string integerToken) => integerToken.Length > 1 && integerToken[0] == '0' && char.IsAsciiDigit(integerToken[1]);

        private T ParseFloatingPoint<T>(FieldDescriptor field) where T : IFloatingPointIeee754<T>
        {
            bool negative = TryConsume('-');
            Token token = current;
            T value = token.Kind switch
            {
                TokenKind.Float => T.Parse(token.Text.TrimEnd('f', 'F'), NumberStyles.Float, CultureInfo.InvariantCulture),

                // Like C++ TextFormat, integers are accepted only in decimal: a hex or octal float would be surprising.
                TokenKind.Integer when !IsOctal(token.Text) && !token.Text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
                    => T.Parse(token.Text, NumberStyles.None, CultureInfo.InvariantCulture),
                TokenKind.Identifier when token.Text.Equals("inf", StringComparison.OrdinalIgnoreCase)
                    || token.Text.Equals("infinity", StringComparison.OrdinalIgnoreCase) => T.PositiveInfinity,
                TokenKind.Identifier when token.Text.Equals("nan", StringComparison.OrdinalIgnoreCase) => T.NaN,
                _ => throw Error(token, $"expected a decimal number, inf or nan for {Describe(field)}, found {token}"),
            };
            Advance();
            return negative ? -value : value;
        }

        private bool ParseBool(FieldDescriptor field)
        {
            Token token = current;
            // The text alone decides: string tokens keep their quotes, so "true" in quotes matches nothing here.
            bool? value = token.Text switch
            {
                "true" or "True" or "t" or "1" => true,
                "false" or "False" or "f" or "0" => false,
                _ => null,
            };
            if (value is null)
            {
                throw Error(token, $"expected true or false for {Describe(field)}, found {token}");
            }

            Advance();
            return value.Value;
        }

        private string ParseString(FieldDescriptor field)
        {
            Token start = current;
            byte[] bytes = ParseStringBytes(field);
            if (!Utf8.IsValid(bytes))
            {
                throw Error(start, $"the value of {Describe(field)} is not valid UTF-8");
            }

            return Encoding.UTF8.GetString(bytes);
        }

        private byte[] ParseStringBytes(FieldDescriptor field)
        {
            if (current.Kind != TokenKind.String)
            {
                throw Error(current, $"expected a quoted string for {Describe(field)}, found {current}");
            }

            // Adjacent literals concatenate, as in C: "abc" 'def' is "abcdef".
            var bytes = new List<byte>();
            do
            {
                bytes.AddRange(current.StringValue.Span);
                Advance();
            }
            while (current.Kind == TokenKind.String);

            return [.. bytes];
        }

        private object ParseEnum(FieldDescriptor field)
        {
            Token token = current;
            EnumDescriptor enumType = field.EnumType;
            if (token.Kind == TokenKind.Identifier)
            {
                EnumValueDescriptor value = enumType.FindValueByName(token.Text)
                    ?? throw Error(token, $"unknown value '{token.Text}' for enum {enumType.FullName} in field '{field.Name}'");
                Advance();
                return Enum.ToObject(enumType.ClrType, value.Number);
            }

            if (token.Kind != TokenKind.Integer && !token.IsSymbol('-'))
            {
                throw Error(token, $"expected a value name of enum {enumType.FullName} for field '{field.Name}', found {token}");
            }

            // Numbers without a declared name are kept because proto3 enums are open, which also keeps
            // Format's output for such values parseable.
            return Enum.ToObject(enumType.ClrType, ParseInteger<int>(field));
        }

        private bool TryConsume(char symbol)
        {
            if (!current.IsSymbol(symbol))
            {
                return false;
            }

            Advance();
            return true;
        }

        private void Advance() => current = tokenizer.Next();

        private TextFormatException Error(Token at, string reason) => new(reason, at.Line, at.Column, sourceName);
    }

    private sealed class Writer
    {
        private const int IndentWidth = 2;

        // Ordinal rather than culture-aware, so the output is identical on every machine.
        private static readonly IComparer<object> MapKeyOrder = Comparer<object>.Create(
            (left, right) => left is string text ? string.CompareOrdinal(text, (string)right) : ((IComparable)left).CompareTo(right));

        private readonly StringBuilder output = new();
        private int depth;

        public override string ToString() => output.ToString();

        public void WriteFields(IMessage message)
        {
            foreach (FieldDescriptor field in message.Descriptor.Fields.InDeclarationOrder())
            {
                if (field.IsMap)
                {
                    WriteMapEntries(field, (IDictionary)field.Accessor.GetValue(message));
                }
                else if (field.IsRepeated)
                {
                    foreach (object element in (IList)field.Accessor.GetValue(message))
                    {
                        WriteValue(field, element);
                    }
                }
                else if (field.HasPresence ? field.Accessor.HasValue(message) : !IsDefault(field.Accessor.GetValue(message)))
                {
                    WriteValue(field, field.Accessor.GetValue(message));
                }
            }
        }

        // Map entries are written as the repeated key/value messages they are on the wire.
        private void WriteMapEntries(FieldDescriptor field, IDictionary map)
        {
            FieldDescriptor keyField = field.MessageType.FindFieldByNumber(1);
            FieldDescriptor valueField = field.MessageType.FindFieldByNumber(2);
            foreach (object key in map.Keys.Cast<object>().Order(MapKeyOrder))
            {
                WriteLine($"{field.Name} {{");
                depth++;
                WriteValue(keyField, key);
                WriteValue(valueField, map[key]!);
                depth--;
                WriteLine("}");
            }
        }

        private void WriteValue(FieldDescriptor field, object value)
        {
            if (IsMessage(field))
            {
                WriteLine($"{field.Name} {{");
                depth++;
                WriteFields((IMessage)value);
                depth--;
                WriteLine("}");
            }
            else
            {
                WriteLine($"{field.Name}: {FormatScalar(field, value)}");
            }
        }

        private void WriteLine(string text) => output.Append(' ', depth * IndentWidth).Append(text).Append('\n');

        private static bool IsDefault(object value) => value switch
        {
            string text => text.Length == 0,
            ByteString bytes => bytes.IsEmpty,
            bool flag => !flag,

            // Compared bitwise so that -0.0 is written and survives a round trip.
            float number => BitConverter.SingleToInt32Bits(number) == 0,
            double number => BitConverter.DoubleToInt64Bits(number) == 0,
            Enum number => Convert.ToInt64(number, CultureInfo.InvariantCulture) == 0,
            int number => number == 0,
            long number => number == 0,
            uint number => number == 0,
            ulong number => number == 0,
            _ => throw new ArgumentOutOfRangeException(nameof(value), value.GetType(), "Unsupported scalar type."),
        };

        private static string FormatScalar(FieldDescriptor field, object value) => field.FieldType switch
        {
            FieldType.Bool => (bool)value ? "true" : "false",
            FieldType.Float => FormatFloatingPoint((float)value),
            FieldType.Double => FormatFloatingPoint((double)value),
            FieldType.String => QuoteString((string)value),
            FieldType.Bytes => QuoteBytes((ByteString)value),
            FieldType.Enum => FormatEnum(field.EnumType, Convert.ToInt32(value, CultureInfo.InvariantCulture)),
            _ => ((IFormattable)value).ToString(null, CultureInfo.InvariantCulture),
        };

        private static string FormatEnum(EnumDescriptor enumType, int number) =>
            enumType.FindValueByNumber(number)?.Name ?? number.ToString(CultureInfo.InvariantCulture);

        private static string FormatFloatingPoint<T>(T value) where T : IFloatingPointIeee754<T> =>
            T.IsNaN(value) ? "nan"
            : T.IsPositiveInfinity(value) ? "inf"
            : T.IsNegativeInfinity(value) ? "-inf"
            : value.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e');

        // Non-ASCII text is written as-is rather than as escaped UTF-8 bytes, so the file stays readable.
        private static string QuoteString(string value)
        {
            var quoted = new StringBuilder(value.Length + 2).Append('"');
            foreach (Rune rune in value.EnumerateRunes())
            {
                if (rune.IsAscii)
                {
                    AppendEscapedAscii(quoted, (byte)rune.Value);
                }
                else
                {
                    quoted.Append(rune.ToString());
                }
            }

            return quoted.Append('"').ToString();
        }

        private static string QuoteBytes(ByteString value)
        {
            var quoted = new StringBuilder(value.Length + 2).Append('"');
            foreach (byte b in value.Span)
            {
                if (b < 0x80)
                {
                    AppendEscapedAscii(quoted, b);
                }
                else
                {
                    AppendOctalEscape(quoted, b);
                }
            }

            return quoted.Append('"').ToString();
        }

        private static void AppendEscapedAscii(StringBuilder output, byte c)
        {
            switch (c)
            {
                case (byte)'\n':
                    output.Append("\\n");
                    break;
                case (byte)'\r':
                    output.Append("\\r");
                    break;
                case (byte)'\t':
                    output.Append("\\t");
                    break;
                case (byte)'"':
                    output.Append("\\\"");
                    break;
                case (byte)'\\':
                    output.Append("\\\\");
                    break;
                case < 0x20 or 0x7F:
                    AppendOctalEscape(output, c);
                    break;
                default:
                    output.Append((char)c);
                    break;
            }
        }

        // Always three digits, so a digit that follows cannot be read as part of the escape.
        private static void AppendOctalEscape(StringBuilder output, byte b) =>
            output.Append('\\').Append(Convert.ToString(b, 8).PadLeft(3, '0'));
    }
}

/// <summary>
/// Thrown when protobuf text format cannot be parsed. <see cref="Exception.Message"/> starts with
/// <c>source:line:column:</c>, the form compilers use, so editors and log readers can jump to the problem.
/// </summary>
public sealed class TextFormatException : FormatException
{
    public TextFormatException(string reason, int line, int column, string? sourceName = null)
        : base($"{(sourceName is null ? "" : sourceName + ":")}{line}:{column}: {reason}")
    {
        Reason = reason;
        Line = line;
        Column = column;
        SourceName = sourceName;
    }

    /// <summary>What is wrong, without the location prefix.</summary>
    public string Reason { get; }

    /// <summary>The 1-based line of the offending token.</summary>
    public int Line { get; }

    /// <summary>The 1-based column of the offending token, counted in UTF-16 code units.</summary>
    public int Column { get; }

    /// <summary>The name given to the parser for the text, typically a file path, or <see langword="null"/>.</summary>
    public string? SourceName { get; }
}
