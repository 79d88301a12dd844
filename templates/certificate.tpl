# Training certificate (Chứng chỉ: đào tạo thường xuyên, …) — vanbang print template.
# Format: templates/README.md. Positions in mm from the top-left corner of the sheet; a text's
# y is its baseline; sizes in points. Measure your blank form and move the fields onto its
# dotted lines; the labels print only with --mode full.
#
# Layout: A5 landscape, English on the left half, Vietnamese on the right. The program field prints the
# course name as the record holds it (free-form). A training centre writes its head's title
# (GIÁM ĐỐC / THE DIRECTOR OF) instead.
vanbang-template 1
type certificate
page 210 148
font "DejaVu Serif"
border 5 1
border 7 0.3

# ---- left half: English ----------------------------------------------------------------
label en  55  18 8.5 center bold italic "SOCIALIST REPUBLIC OF VIETNAM"
label en  55  22.5 8 center bold italic "Independence - Freedom - Happiness"
label en  55  32 8.5 center bold italic "THE RECTOR OF"
field school_name 55 37 9 center bold upper width 88
label en  55  44 8.5 center italic "confers"
label en  55  53 13 center bold italic "THE CERTIFICATE"
label en  13  63 8.5 italic "Course:"
field program      38  63 9 bold width 62
label en  13  70 8.5 italic "Full name:"
field name         38  70 10 bold width 62
label en  13  77 8.5 italic "Date of birth:"
field birth_date   38  77 8.5
label en  68  77 8.5 italic "Sex:"
field gender_en    76  77 8.5
label en  13  84 8.5 italic "Classification:"
field classification_en 38 84 8.5 bold
field kind_en      13  12 8 italic

qr 13 95 28
label vi  45 103 7 italic "Quét mã QR để xác thực"
label en  45 107 7 italic "Scan the QR code to verify"
label vi  45 115 8 "Số hiệu / Serial No.:"
field serial       75 115 8 bold
label vi  45 120.5 8 "Số vào sổ / Reg. No.:"
field register     75 120.5 8 bold

# ---- right half: Vietnamese ------------------------------------------------------------
label vi 157  18 9 center bold "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
label vi 157  22.5 8.5 center bold "Độc lập - Tự do - Hạnh phúc"
label vi 157  32 8.5 center bold "HIỆU TRƯỞNG"
field school_name 157 37 9 center bold upper width 88
label vi 157  44 8.5 center italic "cấp"
label vi 157  53 14 center bold "CHỨNG CHỈ"
label vi 112  63 8.5 "Khóa học:"
field program     138  63 9 bold width 62
label vi 112  70 8.5 "Họ và tên:"
field name        138  70 10 bold width 62
label vi 112  77 8.5 "Ngày sinh:"
field birth_date  138  77 8.5
label vi 168  77 8.5 "Giới tính:"
field gender      184  77 8.5
label vi 112  84 8.5 "Xếp loại:"
field classification 138 84 8.5 bold
field kind        198  12 8 right italic

field issue_place_date 165 100 8.5 center italic
label vi 165 105 8.5 center bold "HIỆU TRƯỞNG"
label vi 165 109.5 7 center italic "(Ký tên, đóng dấu / Signature and seal)"
